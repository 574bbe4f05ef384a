# Console pair cases: the guest draws a known picture on its framebuffer
# (fbpattern, no libraries but libc), the host checks a screenshot
# against it (pngcheck, libpng).
PROGS += fbpattern pngcheck
fbpattern_OBJS := tests/console/fbpattern.o
pngcheck_OBJS := tests/console/pngcheck.o
pngcheck_LDLIBS := -lpng
# A VNC client (libvncclient) that checks what it receives.
PROGS += vnccheck
vnccheck_OBJS := tests/console/vnccheck.o
vnccheck_LDLIBS := -lvncclient
# The guest's reader of input events (no libraries but libc).
PROGS += evdump
evdump_OBJS := tests/console/evdump.o
