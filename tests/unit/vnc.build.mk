# The VNC server's password, QEMU extended keys and web files, with the
# real keyboard VSP over the VMBus server and the fake guest (libvncclient
# as the client).
UNIT_TESTS += vnc_test
vnc_test_OBJS = tests/unit/vnc_test.o tests/unit/fakeguest.o tests/unit/devenv.o \
	$(HOST_CORE_OBJS)
vnc_test_LDLIBS = $(HOST_CORE_LDLIBS) -lvncclient
