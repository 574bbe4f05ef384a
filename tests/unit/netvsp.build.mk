# netvsp's pure protocol (NVSP, RNDIS) over a fake channel and TAP.
UNIT_TESTS += netvsp_proto_test
netvsp_proto_test_OBJS = tests/unit/netvsp_proto_test.o tests/unit/netvsp_fakeio.o \
	$(NETVSP_CORE_OBJS)
