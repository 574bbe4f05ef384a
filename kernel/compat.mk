# SPDX-License-Identifier: GPL-2.0
# Kernel API differences that LINUX_VERSION_CODE cannot tell (a distro
# backports a change into an older stable series): probed from the headers
# of the kernel being built for, each a -DOVB_HAVE_* that kernel/compat.h
# reads. A probe is a fixed string grepped in one header under $(srctree).
ovb-probe = $(if $(shell grep -qsF '$(2)' $(srctree)/$(1) && echo y),-D$(3))

# register_syscore(struct syscore *): upstream after 6.17, Debian 6.12.117.
subdir-ccflags-y += $(call ovb-probe,include/linux/syscore_ops.h,struct syscore {,OVB_HAVE_STRUCT_SYSCORE)
