# The guest's request/response helper (vmbus/request.c) in userspace,
# against the fuzzers' kernel shim (tests/fuzz/guestshim).
UNIT_TESTS += guest_request_test
guest_request_test_OBJS := tests/unit/guest_request_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_request_test.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/fuzz/guestshim/shim.o: CPPFLAGS += -Itests/fuzz/guestshim
# Kernel code is held to W=1, which has no -Wsign-compare.
$(BUILD)/san/obj/tests/unit/guest_request_test.o: CFLAGS += -Wno-sign-compare
# Bug 4 (guest callbacks with no budget): ovb_ic's and storvsc's callbacks
# against a host that always has another packet waiting.
UNIT_TESTS += guest_ic_budget_test guest_storvsc_budget_test
guest_ic_budget_test_OBJS := tests/unit/guest_ic_budget_test.o tests/fuzz/guestshim/shim.o
guest_storvsc_budget_test_OBJS := tests/unit/guest_storvsc_budget_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_ic_budget_test.o $(BUILD)/san/obj/tests/unit/guest_storvsc_budget_test.o: \
	CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/unit/guest_ic_budget_test.o: CFLAGS += -Wno-sign-compare -Wno-unused-parameter
$(BUILD)/san/obj/tests/unit/guest_storvsc_budget_test.o: CFLAGS += -Wno-sign-compare \
	-Wno-unused-parameter -Wno-unused-value
# The guest's VMBus stack (bug 8, the message queue; ring pages after a
# teardown that timed out) against the guest_vmbus_fuzz target's host.
UNIT_TESTS += guest_vmbus_test
guest_vmbus_test_OBJS := tests/unit/guest_vmbus_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_vmbus_test.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/unit/guest_vmbus_test.o: CFLAGS += -Wno-sign-compare -Wno-unused-parameter \
	-Wno-unused-value -Wno-unused-function
# ovb_input (inputvsc/) on guest_input_fuzz's scripted host.
UNIT_TESTS += guest_input_test
guest_input_test_OBJS := tests/unit/guest_input_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_input_test.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/unit/guest_input_test.o: CFLAGS += -Wno-sign-compare -Wno-unused-parameter
# ovb_video (videovsc/) on guest_video_fuzz's scripted host.
UNIT_TESTS += guest_video_test
guest_video_test_OBJS := tests/unit/guest_video_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_video_test.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/unit/guest_video_test.o: CFLAGS += -Wno-sign-compare -Wno-unused-parameter
# ovb_netvsc's parsers of host bytes (netvsc/netvsc_proto.c).
UNIT_TESTS += guest_netvsc_test
guest_netvsc_test_OBJS := tests/unit/guest_netvsc_test.o tests/fuzz/guestshim/shim.o
$(BUILD)/san/obj/tests/unit/guest_netvsc_test.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/san/obj/tests/unit/guest_netvsc_test.o: CFLAGS += -Wno-sign-compare
