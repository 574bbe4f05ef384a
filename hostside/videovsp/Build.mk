# Synthetic video VSP: the protocol (pure, unit-tested and fuzzed) and its
# VMBus glue; the console's PNG writer (libpng) for `ovbctl screenshot`.
VIDEOVSP_CORE_OBJS := hostside/videovsp/synthvid_proto.o
VIDEOVSP_OBJS := $(VIDEOVSP_CORE_OBJS) hostside/videovsp/videovsp.o
HOST_DEVICE_OBJS += hostside/videovsp/videovsp_type.o $(VIDEOVSP_OBJS) hostside/console/png.o
HOST_DEVICE_LDLIBS += -lpng
# The console: a VNC server (libvncserver) on the video device, a type of its own.
HOST_DEVICE_OBJS += hostside/console/console.o hostside/console/vnc.o hostside/console/vnc_type.o \
	hostside/console/vnc_cursor.o hostside/console/vnc_web.o
HOST_DEVICE_LDLIBS += -lvncserver
