# ovbctl backup (hostside/backup.c) over storvsp and the VSS VSP, with the fake guest's VSS daemon.
UNIT_TESTS += backup_test
backup_test_OBJS = tests/unit/backup_test.o tests/unit/devenv.o tests/unit/fakeguest.o $(HOST_CORE_OBJS)
backup_test_LDLIBS = $(HOST_CORE_LDLIBS)
