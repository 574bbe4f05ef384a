UNIT_TESTS += ring_test
# ring_test compiles lib/ring.c itself (to watch its copies), so no $(RING_OBJS).
ring_test_OBJS := tests/unit/ring_test.o
UNIT_TESTS += wire_ring_test
wire_ring_test_OBJS := tests/unit/wire_ring_test.o
