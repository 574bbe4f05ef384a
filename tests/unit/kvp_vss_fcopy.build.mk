# The KVP, VSS and fcopy VSPs as ovb-host makes them (--kvp, --vss, --fcopy), through their ctl commands, over the fake guest.
UNIT_TESTS += kvp_vss_fcopy_test
kvp_vss_fcopy_test_OBJS = tests/unit/kvp_vss_fcopy_test.o tests/unit/devenv.o tests/unit/fakeguest.o $(HOST_CORE_OBJS)
kvp_vss_fcopy_test_LDLIBS = $(HOST_CORE_LDLIBS)
