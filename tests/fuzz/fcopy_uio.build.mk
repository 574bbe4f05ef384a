# ovb-fcopyd's uio channel and IC framing (daemons/uio_chan.c, fcopy_ic.c)
# fed hostile rings and packets.
FUZZERS += fcopy_uio_fuzz
fcopy_uio_fuzz_OBJS = tests/fuzz/fcopy_uio_fuzz.o $(FCOPYD_CORE_OBJS) $(FCOPYD_UIO_OBJS)
fcopy_uio_fuzz_LDLIBS = $(DAEMON_LDLIBS)
