UNIT_TESTS += vmm_memory_test
vmm_memory_test_OBJS := tests/unit/vmm_memory_test.o hostside/vmm/memory.o
UNIT_TESTS += vmm_pio_test
vmm_pio_test_OBJS := tests/unit/vmm_pio_test.o hostside/vmm/pio.o hostside/vmm/serial.o \
	hostside/vmm/platform.o hostside/vmm/vm.o hostside/vmm/memory.o
