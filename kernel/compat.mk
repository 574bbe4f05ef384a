# SPDX-License-Identifier: GPL-2.0
# Kernel API differences that LINUX_VERSION_CODE cannot tell (a distro
# backports a change into an older stable series): probed from the headers
# of the kernel being built for, each a -DOVB_HAVE_* that kernel/compat.h
# reads. A probe is a fixed string grepped in one header under $(srctree).
ovb-probe = $(if $(shell grep -qsF '$(2)' $(srctree)/$(1) && echo y),-D$(3))

# register_syscore(struct syscore *): upstream after 6.17, Debian 6.12.117.
subdir-ccflags-y += $(call ovb-probe,include/linux/syscore_ops.h,struct syscore {,OVB_HAVE_STRUCT_SYSCORE)

# x86-64's hypercall is the static call hv_hypercall (its default target
# hv_std_hypercall), hv_hypercall_pg no longer exported: after 6.12, 7.2 has it.
subdir-ccflags-y += $(call ovb-probe,arch/x86/include/asm/mshyperv.h,extern u64 hv_std_hypercall,OVB_HAVE_HV_HYPERCALL_STATIC_CALL)
# queuecommand() returns enum scsi_qc_status: 7.x.
subdir-ccflags-y += $(call ovb-probe,include/scsi/scsi.h,enum scsi_qc_status {,OVB_HAVE_SCSI_QC_STATUS)
