# lib/: portable code shared by guest modules and host. Programs link these.
RING_OBJS := lib/ring.o
# The VMBus version table and IC version negotiation, one copy for both sides.
VMBUS_VERSION_OBJS := lib/vmbus_version.o
IC_NEGOTIATE_OBJS := lib/ic_negotiate.o
