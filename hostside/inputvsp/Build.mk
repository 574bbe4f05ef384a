# Synthetic keyboard and mouse VSPs: the protocols and scan codes (pure,
# unit-tested) and their VMBus glue; `ovbctl type/key/mouse`.
INPUTVSP_CORE_OBJS := hostside/inputvsp/input_proto.o hostside/inputvsp/scancodes.o
INPUTVSP_OBJS := $(INPUTVSP_CORE_OBJS) hostside/inputvsp/inputvsp.o
HOST_DEVICE_OBJS += hostside/inputvsp/inputvsp_type.o $(INPUTVSP_OBJS)
