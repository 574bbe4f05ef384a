# Storage VSP: SCSI disk target, raw-image back end (io_uring), VSTOR
# protocol (pure) and its VMBus glue (storvsp.o, needs hostside/vmbus).
STORVSP_CORE_OBJS := hostside/storvsp/disk_backend.o $(DISK_FORMAT_OBJS) hostside/storvsp/scsi_disk.o \
	hostside/storvsp/storvsp_proto.o hostside/storvsp/storvsp_disks.o
STORVSP_OBJS := $(STORVSP_CORE_OBJS) hostside/storvsp/storvsp.o
STORVSP_LDLIBS := -luring
# The controller as a device type of ovb-host (hostside/devices.h).
HOST_DEVICE_OBJS += hostside/storvsp/storvsp_type.o $(STORVSP_OBJS)
HOST_DEVICE_LDLIBS += $(STORVSP_LDLIBS)
