# netvsp's pure protocol (NVSP, RNDIS) over a fake channel and TAP.
UNIT_TESTS += netvsp_proto_test
netvsp_proto_test_OBJS = tests/unit/netvsp_proto_test.o tests/unit/netvsp_fakeio.o \
	$(NETVSP_CORE_OBJS)
# End to end through the VMBus server with its threads, a socketpair as the TAP.
UNIT_TESTS += netvsp_vmbus_test
netvsp_vmbus_test_OBJS = tests/unit/netvsp_vmbus_test.o tests/unit/fakeguest.o tests/unit/netvsp_fakeio.o \
	hostside/netvsp/netvsp_type.o $(NETVSP_OBJS) $(VMBUS_SERVER_OBJS) $(RING_OBJS)
netvsp_vmbus_test_LDLIBS = -ljson-c
# Offloads (offload=on): capabilities, checksum and LSOv2 to the TAP's virtio-net header.
UNIT_TESTS += netvsp_offload_test
netvsp_offload_test_OBJS = tests/unit/netvsp_offload_test.o tests/unit/netvsp_fakeio.o \
	$(NETVSP_CORE_OBJS)
# LSO fix-ups against the kernel's software segmentation (root: a netns, a TAP, a veth).
UNIT_TESTS += netvsp_lso_wire_test
netvsp_lso_wire_test_OBJS = tests/unit/netvsp_lso_wire_test.o hostside/netvsp/tap.o \
	hostside/netvsp/offload.o
# 802.1Q both ways and receive checksum info (RNDIS per-packet info).
UNIT_TESTS += netvsp_rxinfo_test
netvsp_rxinfo_test_OBJS = tests/unit/netvsp_rxinfo_test.o tests/unit/netvsp_fakeio.o \
	$(NETVSP_CORE_OBJS)
