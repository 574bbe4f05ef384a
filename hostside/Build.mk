# ovb-host and its layers. The DSDT is compiled from ASL by iasl.
PROGS += ovb-host
VMM_OBJS := hostside/vmm/vm.o hostside/vmm/boot.o hostside/vmm/acpi.o \
	    hostside/vmm/cpuid.o hostside/vmm/serial.o hostside/vmm/platform.o \
	    hostside/vmm/mmio.o
HV_OBJS := hostside/hv/hv.o hostside/hv/synic.o
ovb-host_OBJS = hostside/main.o hostside/glue.o hostside/vmbus_host.o $(VMM_OBJS) $(HV_OBJS) $(VMBUS_SERVER_OBJS) \
	    $(ICVSP_OBJS) $(CTL_OBJS) $(STORVSP_OBJS) $(RING_OBJS)
ovb-host_LDLIBS = $(STORVSP_LDLIBS)

$(BUILD)/gen/dsdt.hex: hostside/vmm/dsdt.asl
	@mkdir -p $(@D)
	$(if $(Q),@echo "  IASL    $<")
	$(Q)cp $< $(BUILD)/gen/dsdt.asl && cd $(BUILD)/gen && iasl -tc dsdt.asl >iasl.log 2>&1 || \
		{ cat $(BUILD)/gen/iasl.log; exit 1; }
	$(Q)grep -q 'Compilation successful. 0 Errors, 0 Warnings' $(BUILD)/gen/iasl.log || \
		{ cat $(BUILD)/gen/iasl.log; exit 1; }
$(BUILD)/obj/hostside/vmm/acpi.o: $(BUILD)/gen/dsdt.hex
hostside/vmm/acpi_CFLAGS := -I$(BUILD)/gen
