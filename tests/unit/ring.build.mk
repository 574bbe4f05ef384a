UNIT_TESTS += ring_test
ring_test_OBJS := $(RING_OBJS) tests/unit/ring_test.o
