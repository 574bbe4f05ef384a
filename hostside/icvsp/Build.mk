# Integration-service VSPs.
ICVSP_OBJS := hostside/icvsp/ic.o hostside/icvsp/heartbeat.o hostside/icvsp/shutdown.o hostside/icvsp/kvp.o hostside/icvsp/kvp_ipset.o hostside/icvsp/ic_txn.o \
	      hostside/icvsp/utf16.o \
	      $(IC_NEGOTIATE_OBJS)
# Heartbeat and shutdown as device types of ovb-host (hostside/devices.h).
HOST_DEVICE_OBJS += hostside/icvsp/icvsp_type.o $(ICVSP_OBJS)
HOST_DEVICE_OBJS += hostside/icvsp/timesync.o
# KVP (--kvp): the guest's key-value pools, `ovbctl kvp` and `ip`.
HOST_DEVICE_OBJS += hostside/icvsp/kvp_type.o
# VSS (--vss): ovbctl freeze/thaw through the guest's VSS daemon.
HOST_DEVICE_OBJS += hostside/icvsp/vss.o
# fcopy (--fcopy): ovbctl copy through the guest's fcopy daemon.
HOST_DEVICE_OBJS += hostside/icvsp/fcopy.o
