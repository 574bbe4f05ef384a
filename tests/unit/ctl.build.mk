UNIT_TESTS += ctl_test
ctl_test_OBJS = tests/unit/ctl_test.o $(CTL_OBJS)
