BENCHES += ring
ring_OBJS := $(RING_OBJS) bench/ring.o
