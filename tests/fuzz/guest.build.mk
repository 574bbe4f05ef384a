# The guest's parsers of host bytes, built in userspace against a thin
# shim of the kernel API (tests/fuzz/guestshim): each target's object
# includes the guest .c files it fuzzes and finds <linux/*.h> in the shim.
GUESTSHIM_OBJS := tests/fuzz/guestshim/shim.o
FUZZERS += guest_ic_fuzz
guest_ic_fuzz_OBJS := tests/fuzz/guest_ic_fuzz.o $(GUESTSHIM_OBJS)
$(BUILD)/fuzz/obj/tests/fuzz/guest_ic_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/fuzz/obj/tests/fuzz/guestshim/shim.o: CPPFLAGS += -Itests/fuzz/guestshim
FUZZERS += guest_vmbus_fuzz
guest_vmbus_fuzz_OBJS := tests/fuzz/guest_vmbus_fuzz.o $(GUESTSHIM_OBJS)
$(BUILD)/fuzz/obj/tests/fuzz/guest_vmbus_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
FUZZERS += guest_storvsc_fuzz
guest_storvsc_fuzz_OBJS := tests/fuzz/guest_storvsc_fuzz.o $(GUESTSHIM_OBJS)
# Kernel code is held to W=1, which has neither of these.
$(BUILD)/fuzz/obj/tests/fuzz/guest_storvsc_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/fuzz/obj/tests/fuzz/guest_storvsc_fuzz.o: CFLAGS += -Wno-sign-compare \
	-Wno-gnu-variable-sized-type-not-at-end
# ovb_input (inputvsc/): the mouse's and keyboard's parsers and callbacks.
FUZZERS += guest_input_fuzz
guest_input_fuzz_OBJS := tests/fuzz/guest_input_fuzz.o $(GUESTSHIM_OBJS)
$(BUILD)/fuzz/obj/tests/fuzz/guest_input_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/fuzz/obj/tests/fuzz/guest_input_fuzz.o: CFLAGS += -Wno-unused-parameter -Wno-sign-compare
# ovb_video (videovsc/): the host's synthetic video messages, probe to remove.
FUZZERS += guest_video_fuzz
guest_video_fuzz_OBJS := tests/fuzz/guest_video_fuzz.o $(GUESTSHIM_OBJS)
$(BUILD)/fuzz/obj/tests/fuzz/guest_video_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/fuzz/obj/tests/fuzz/guest_video_fuzz.o: CFLAGS += -Wno-unused-parameter -Wno-sign-compare
# ovb_netvsc (netvsc/): its parsers of NVSP, buffer layouts, ranges and RNDIS.
FUZZERS += guest_netvsc_fuzz
guest_netvsc_fuzz_OBJS := tests/fuzz/guest_netvsc_fuzz.o $(GUESTSHIM_OBJS)
$(BUILD)/fuzz/obj/tests/fuzz/guest_netvsc_fuzz.o: CPPFLAGS += -Itests/fuzz/guestshim
$(BUILD)/fuzz/obj/tests/fuzz/guest_netvsc_fuzz.o: CFLAGS += -Wno-sign-compare
