# VHD: the pure metadata layer and images through disk_backend.
UNIT_TESTS += vhd_test
vhd_test_OBJS = tests/unit/vhd_test.o hostside/storvsp/disk_backend.o \
	hostside/storvsp/scsi_disk.o $(DISK_FORMAT_OBJS)
vhd_test_LDLIBS = -luring
# Interop with two independent readers/writers (qemu-img, libvhdi): no VM, seconds.
CHECKS += check-vhd-interop
.PHONY: check-vhd-interop
check-vhd-interop: setup $(BUILD)/ovb-img
	$(Q)tests/unit/vhd_interop.sh $(BUILD)
