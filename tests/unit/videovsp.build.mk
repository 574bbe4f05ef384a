UNIT_TESTS += videovsp_proto_test
videovsp_proto_test_OBJS = tests/unit/videovsp_proto_test.o $(VIDEOVSP_CORE_OBJS)
# End to end over the VMBus server and the fake guest, with the PNG writer
# and the VNC server (a libvncclient client checks what it gets).
UNIT_TESTS += videovsp_vmbus_test
videovsp_vmbus_test_OBJS = tests/unit/videovsp_vmbus_test.o tests/unit/fakeguest.o \
	tests/unit/devenv.o $(HOST_CORE_OBJS)
videovsp_vmbus_test_LDLIBS = $(HOST_CORE_LDLIBS) -lvncclient
