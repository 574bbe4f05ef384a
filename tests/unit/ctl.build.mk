# The device table and the control socket, over the real VMBus server,
# every device type and the fake guest.
UNIT_TESTS += ctl_test devices_test
ctl_test_OBJS = tests/unit/ctl_test.o tests/unit/devenv.o tests/unit/fakeguest.o $(HOST_CORE_OBJS)
ctl_test_LDLIBS = $(HOST_CORE_LDLIBS)
devices_test_OBJS = tests/unit/devices_test.o tests/unit/devenv.o tests/unit/fakeguest.o \
	$(HOST_CORE_OBJS)
devices_test_LDLIBS = $(HOST_CORE_LDLIBS)
# The timesync VSP as ovb-host makes it (--timesync), over the fake guest.
UNIT_TESTS += timesync_test
timesync_test_OBJS = tests/unit/timesync_test.o tests/unit/devenv.o tests/unit/fakeguest.o \
	$(HOST_CORE_OBJS)
timesync_test_LDLIBS = $(HOST_CORE_LDLIBS)
