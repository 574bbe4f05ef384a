# lib/: portable code shared by guest modules and host. Programs link these.
RING_OBJS := lib/ring.o
