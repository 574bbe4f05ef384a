UNIT_TESTS += ring_test
ring_test_OBJS := $(RING_OBJS) tests/unit/ring_test.o
UNIT_TESTS += wire_ring_test
wire_ring_test_OBJS := tests/unit/wire_ring_test.o
