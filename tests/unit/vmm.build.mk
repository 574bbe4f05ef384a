UNIT_TESTS += vmm_memory_test
vmm_memory_test_OBJS := tests/unit/vmm_memory_test.o hostside/vmm/memory.o
