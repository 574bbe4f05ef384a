# timesync pair cases: the guest's probe of its clocks against the host's RTC.
PROGS += tsprobe
tsprobe_OBJS := tests/timesync/tsprobe.o
