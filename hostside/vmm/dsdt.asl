/*
 * ovb-host's DSDT: the S5 sleep state for power-off, and the VMBus device
 * as Hyper-V declares it: a module device (VMOD) whose _CRS is the MMIO
 * window for VMBus devices (the synthetic framebuffer lives there), with
 * the VMBus device (VMBS) inside it. Linux's hv_vmbus binds to the _HID
 * id "VMBUS" (drivers/hv/vmbus_drv.c vmbus_acpi_device_ids) and takes its
 * MMIO from the ancestors' _CRS; the IRQ is what a guest that cannot set
 * up Hyper-V's callback vector uses instead (see DESIGN.md, guest mode 2).
 * Keep the numbers in step with hostside/vmm/vm.h.
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "OVB   ", "OVBHOST ", 1)
{
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

    Scope (\_SB)
    {
        Device (VMOD)
        {
            Name (_HID, "ACPI0004")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    NonCacheable, ReadWrite, 0x00000000,
                    0xF0000000, 0xFBFFFFFF, 0x00000000, 0x0C000000, , , )
            })

            Device (VMBS)
            {
                /*
                 * Hyper-V's own _HID is "VMBUS", which iasl rejects (an ACPI
                 * _HID must be 7 or 8 characters); Linux matches _CID ids
                 * as well, so the id goes in _CID under a valid _HID.
                 */
                Name (_HID, "OVB0001")
                Name (_CID, "VMBUS")
                Name (_UID, Zero)
                Name (_DDN, "VMBUS")
                Name (_CRS, ResourceTemplate ()
                {
                    IRQ (Edge, ActiveHigh, Exclusive, ) {5}
                })
                Method (_STA, 0, NotSerialized)
                {
                    Return (0x0F)
                }
            }
        }
    }
}
