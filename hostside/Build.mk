# ovb-host and its layers. The DSDT is compiled from ASL by iasl.
PROGS += ovb-host
VMM_OBJS := hostside/vmm/vm.o hostside/vmm/boot.o hostside/vmm/acpi.o \
	    hostside/vmm/cpuid.o hostside/vmm/serial.o hostside/vmm/platform.o \
	    hostside/vmm/memory.o hostside/vmm/pio.o hostside/vmm/mmio.o
HV_OBJS := hostside/hv/hv.o hostside/hv/synic.o hostside/hv/hcall.o hostside/hv/sint.o
# Each device type's Build.mk adds its objects to HOST_DEVICE_OBJS (and its
# libraries to HOST_DEVICE_LDLIBS); hostside/devices.c lists the types.
HOST_CORE_OBJS = hostside/devices.o hostside/backup.o $(HOST_DEVICE_OBJS) $(VMBUS_SERVER_OBJS) $(CTL_OBJS) \
	    $(RING_OBJS)
# backup.o (ovbctl backup): SHA-256 of the copies from libcrypto.
HOST_CORE_LDLIBS = $(HOST_DEVICE_LDLIBS) $(CTL_LDLIBS) -lcrypto
ovb-host_OBJS = hostside/main.o hostside/glue.o hostside/vmbus_host.o $(VMM_OBJS) $(HV_OBJS) $(HOST_CORE_OBJS)
ovb-host_LDLIBS = $(HOST_CORE_LDLIBS)

$(BUILD)/gen/dsdt.hex: hostside/vmm/dsdt.asl
	@mkdir -p $(@D)
	$(if $(Q),@echo "  IASL    $<")
	$(Q)cp $< $(BUILD)/gen/dsdt.asl && cd $(BUILD)/gen && iasl -tc dsdt.asl >iasl.log 2>&1 || \
		{ cat $(BUILD)/gen/iasl.log; exit 1; }
	$(Q)grep -q 'Compilation successful. 0 Errors, 0 Warnings' $(BUILD)/gen/iasl.log || \
		{ cat $(BUILD)/gen/iasl.log; exit 1; }
$(BUILD)/obj/hostside/vmm/acpi.o: $(BUILD)/gen/dsdt.hex
hostside/vmm/acpi_CFLAGS := -I$(BUILD)/gen
