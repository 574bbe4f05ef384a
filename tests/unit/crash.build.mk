UNIT_TESTS += logreplay_test
logreplay_test_OBJS = tests/unit/logreplay_test.o $(CRASH_OBJS)
