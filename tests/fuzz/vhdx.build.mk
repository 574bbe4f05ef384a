# VHDX metadata and log (hostside/disk): the pure layer and the image over a memfd.
FUZZERS += vhdx_fuzz
vhdx_fuzz_OBJS = tests/fuzz/vhdx_fuzz.o hostside/storvsp/disk_backend.o $(DISK_FORMAT_OBJS)
vhdx_fuzz_LDLIBS = -luring
