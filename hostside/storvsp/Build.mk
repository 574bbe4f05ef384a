# Storage VSP: SCSI disk target, raw-image back end (io_uring), VSTOR
# protocol (pure) and its VMBus glue (storvsp.o, needs hostside/vmbus).
STORVSP_CORE_OBJS := hostside/storvsp/disk_backend.o hostside/storvsp/scsi_disk.o \
	hostside/storvsp/storvsp_proto.o
STORVSP_OBJS := $(STORVSP_CORE_OBJS) hostside/storvsp/storvsp.o
STORVSP_LDLIBS := -luring
