# ovb-fcopyd's uio channel and IC framing (daemons/uio_chan.c, fcopy_ic.c)
# against a fake host's ring pair in memory.
UNIT_TESTS += fcopy_uio_test
fcopy_uio_test_OBJS := tests/unit/fcopy_uio_test.o $(FCOPYD_CORE_OBJS) $(FCOPYD_UIO_OBJS)
fcopy_uio_test_LDLIBS := $(DAEMON_LDLIBS)
