# Network VSP: RNDIS device and NVSP protocol (pure), TAP back end and its
# VMBus glue (netvsp.o, needs hostside/vmbus).
NETVSP_CORE_OBJS := hostside/netvsp/rndis_dev.o hostside/netvsp/netvsp_proto.o \
	hostside/netvsp/netvsp_cfg.o hostside/netvsp/offload.o
NETVSP_OBJS := $(NETVSP_CORE_OBJS) hostside/netvsp/tap.o hostside/netvsp/netvsp.o
# The NIC as a device type of ovb-host (hostside/devices.h).
HOST_DEVICE_OBJS += hostside/netvsp/netvsp_type.o $(NETVSP_OBJS)
