UNIT_TESTS += videovsp_proto_test
videovsp_proto_test_OBJS = tests/unit/videovsp_proto_test.o $(VIDEOVSP_CORE_OBJS)
