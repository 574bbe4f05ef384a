# VHD metadata (hostside/disk): the pure layer and the image over a memfd.
FUZZERS += vhd_fuzz
vhd_fuzz_OBJS = tests/fuzz/vhd_fuzz.o hostside/storvsp/disk_backend.o $(DISK_FORMAT_OBJS)
vhd_fuzz_LDLIBS = -luring
