# bench/console: full-screen update rate and latency at 1024x768 from the
# guest's VRAM to a libvncclient client, against a memcpy (build/bench/console;
# not part of make check). The fake guest and devenv come from the unit tests
# (devenv's checks are cmocka's, so it links cmocka).
BENCHES += console
console_OBJS = bench/console.o tests/unit/fakeguest.o tests/unit/devenv.o $(HOST_CORE_OBJS)
console_LDLIBS = $(HOST_CORE_LDLIBS) -lvncclient -lcmocka
