UNIT_TESTS += storvsp_scsi_test storvsp_proto_test storvsp_vmbus_test
storvsp_scsi_test_OBJS = tests/unit/storvsp_scsi_test.o $(STORVSP_CORE_OBJS)
storvsp_scsi_test_LDLIBS = $(STORVSP_LDLIBS)
storvsp_proto_test_OBJS = tests/unit/storvsp_proto_test.o $(STORVSP_CORE_OBJS)
storvsp_proto_test_LDLIBS = $(STORVSP_LDLIBS)
# End to end through the VMBus server (compiles storvsp.c, the glue).
storvsp_vmbus_test_OBJS = tests/unit/storvsp_vmbus_test.o tests/unit/fakeguest.o \
	$(STORVSP_OBJS) $(VMBUS_SERVER_OBJS) $(RING_OBJS)
storvsp_vmbus_test_LDLIBS = $(STORVSP_LDLIBS)
