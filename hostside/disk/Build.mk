# Disk image formats behind storvsp's disk_backend (hostside/storvsp/disk_format.h):
# the pure metadata layer (vhd_format.o) and the image with its I/O (vhd.o).
# storvsp and ovb-img both link them.
DISK_FORMAT_OBJS := hostside/disk/vhd_format.o hostside/disk/vhd.o
DISK_FORMAT_OBJS += hostside/disk/vhdx_format.o hostside/disk/vhdx.o
