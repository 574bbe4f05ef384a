# VHDX: the pure metadata layer, the log, and images through disk_backend.
UNIT_TESTS += vhdx_test
vhdx_test_OBJS = tests/unit/vhdx_test.o hostside/storvsp/disk_backend.o $(DISK_FORMAT_OBJS)
vhdx_test_LDLIBS = -luring
