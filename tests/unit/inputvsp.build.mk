UNIT_TESTS += inputvsp_proto_test
# inputvsp.o for input_scale; its VMBus calls come from the server objects.
inputvsp_proto_test_OBJS = tests/unit/inputvsp_proto_test.o $(INPUTVSP_OBJS) \
	$(VMBUS_SERVER_OBJS) $(RING_OBJS)
