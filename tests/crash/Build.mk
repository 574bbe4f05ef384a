# Crash consistency (pair case storage-logwrites): the guest's record writer
# and the host's dm-log-writes replay and checker.
CRASH_OBJS := tests/crash/fdio.o tests/crash/logwrites.o tests/crash/record.o tests/crash/replay.o
PROGS += logreplay recwriter
logreplay_OBJS := tests/crash/logreplay.o $(CRASH_OBJS)
recwriter_OBJS := tests/crash/recwriter.o tests/crash/record.o
