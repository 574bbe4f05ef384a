UNIT_TESTS += vmbus_server_test
vmbus_server_test_OBJS = tests/unit/vmbus_server_test.o tests/unit/fakeguest.o \
	$(VMBUS_SERVER_OBJS) $(ICVSP_OBJS) $(RING_OBJS)
