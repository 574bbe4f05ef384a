UNIT_TESTS += wire_test
wire_test_OBJS := tests/unit/wire_test.o
