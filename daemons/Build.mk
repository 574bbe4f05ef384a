# The guest daemons (ovb-kvpd, ovb-vssd, ovb-fcopyd) on /dev/vmbus/hv_*
# (ovb-fcopyd also on the 6.12 in-tree stack's uio fcopy channel):
# the protocol parsers and handlers are their own objects, shared with the
# unit tests and the fuzzer (tests/unit/guest_daemons.build.mk,
# tests/fuzz/guest_daemons.build.mk).
PROGS += ovb-kvpd ovb-vssd ovb-fcopyd
DAEMON_LDLIBS := -lsystemd -ludev
KVPD_CORE_OBJS := daemons/daemon.o daemons/kvp_pool.o daemons/kvp_msg.o daemons/kvp_info.o daemons/kvp_ipcfg.o
VSSD_CORE_OBJS := daemons/daemon.o daemons/vss_msg.o daemons/vss_fs.o
FCOPYD_CORE_OBJS := daemons/daemon.o daemons/fcopy_msg.o daemons/fcopy_file.o
# The uio channel and its IC framing: lib/ring, the shared negotiation and
# icvsp's UTF-16 conversion (one copy of each).
FCOPYD_UIO_OBJS := daemons/uio_chan.o daemons/fcopy_ic.o $(RING_OBJS) $(IC_NEGOTIATE_OBJS) \
	hostside/icvsp/utf16.o
DAEMONS_CORE_OBJS := $(sort $(KVPD_CORE_OBJS) $(VSSD_CORE_OBJS) $(FCOPYD_CORE_OBJS))
ovb-kvpd_OBJS = daemons/kvpd.o $(KVPD_CORE_OBJS)
ovb-kvpd_LDLIBS = $(DAEMON_LDLIBS)
ovb-vssd_OBJS = daemons/vssd.o $(VSSD_CORE_OBJS)
ovb-vssd_LDLIBS = $(DAEMON_LDLIBS)
ovb-fcopyd_OBJS = daemons/fcopyd.o $(FCOPYD_CORE_OBJS) $(FCOPYD_UIO_OBJS)
ovb-fcopyd_LDLIBS = $(DAEMON_LDLIBS)
