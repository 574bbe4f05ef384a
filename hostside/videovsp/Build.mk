# Synthetic video VSP: the protocol (pure, unit-tested and fuzzed) and its
# VMBus glue; the console's PNG writer (libpng) for `ovbctl screenshot`.
VIDEOVSP_CORE_OBJS := hostside/videovsp/synthvid_proto.o
VIDEOVSP_OBJS := $(VIDEOVSP_CORE_OBJS) hostside/videovsp/videovsp.o
HOST_DEVICE_OBJS += hostside/videovsp/videovsp_type.o $(VIDEOVSP_OBJS) hostside/console/png.o
HOST_DEVICE_LDLIBS += -lpng
