# The VMBus server (pure state machine) and the VSP support code.
VMBUS_SERVER_OBJS := hostside/vmbus/server.o hostside/vmbus/gpadl.o hostside/vmbus/channel.o \
		     hostside/vmbus/fault.o $(VMBUS_VERSION_OBJS)
