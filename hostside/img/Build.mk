# ovb-img: create, info, check and convert disk images (qemu-img's
# conventions) over the same format code storvsp serves (hostside/disk).
PROGS += ovb-img
ovb-img_OBJS = hostside/img/ovb-img.o hostside/storvsp/disk_backend.o $(DISK_FORMAT_OBJS)
ovb-img_LDLIBS = -luring -ljson-c
