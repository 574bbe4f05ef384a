// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The Hyper-V interface: CPUID leaves built from what this KVM supports
 * (KVM_GET_SUPPORTED_HV_CPUID), the exits KVM hands to userspace (SynIC
 * page changes to synic.c, hypercalls to hcall.c) and the crash MSRs.
 * Facts: arch/x86/kvm/hyperv.c, the TLFS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hostside/hv/hv_internal.h"
#include "hostside/log.h"

/*
 * What we pass on of KVM's Hyper-V features; each needs nothing of the VMM.
 * Synthetic timers must be offered in direct mode: in message mode KVM
 * writes timer messages into the same SIMP slot (Linux uses the VMBus
 * SINT for them) that the VMBus server writes, and two writers of one
 * slot race (seen: guest panics within seconds of boot).
 */
#define HV_FEATURES_EAX (HV_MSR_VP_RUNTIME_AVAILABLE | HV_MSR_TIME_REF_COUNT_AVAILABLE | \
			 HV_MSR_SYNIC_AVAILABLE | HV_MSR_SYNTIMER_AVAILABLE |            \
			 HV_MSR_APIC_ACCESS_AVAILABLE | HV_MSR_HYPERCALL_AVAILABLE |     \
			 HV_MSR_VP_INDEX_AVAILABLE | HV_MSR_RESET_AVAILABLE |            \
			 HV_MSR_REFERENCE_TSC_AVAILABLE | HV_ACCESS_FREQUENCY_MSRS)
#define HV_FEATURES_EBX (HV_POST_MESSAGES | HV_SIGNAL_EVENTS)
#define HV_FEATURES_EDX (HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE |                     \
			 HV_FEATURE_FREQUENCY_MSRS_AVAILABLE |                          \
			 HV_STIMER_DIRECT_MODE_AVAILABLE | HV_FEATURE_HYPERCALL_XMM_INPUT)
#define HV_RECOMMEND_EAX (HV_REC_RELAXED_TIMING | HV_REC_APIC_ACCESS |                   \
			  HV_REC_REMOTE_TLB_FLUSH | HV_REC_LOCAL_TLB_FLUSH |             \
			  HV_REC_CLUSTER_IPI | HV_REC_EX_PROCESSOR_MASKS)

static int hv_build_cpuid(struct hv *hv, struct kvm_cpuid_entry2 *out, unsigned int *n)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[32];
	} sup = { .c.nent = 32 };

	if (ioctl(hv->vm->vcpus[0].fd, KVM_GET_SUPPORTED_HV_CPUID, &sup) < 0) {
		log_err("KVM_GET_SUPPORTED_HV_CPUID: %s (KVM without Hyper-V support?)",
			strerror(errno));
		return -1;
	}
	*n = 0;
	for (unsigned int i = 0; i < sup.c.nent; i++) {
		struct kvm_cpuid_entry2 e = sup.c.entries[i];

		switch (e.function) {
		case HVCPUID_VENDOR_AND_MAX:
			e.eax = HVCPUID_IMPLEMENT_LIMITS;
			e.ebx = HV_VENDOR_EBX;
			e.ecx = HV_VENDOR_ECX;
			e.edx = HV_VENDOR_EDX;
			break;
		case HVCPUID_INTERFACE:
			e.eax = HV_INTERFACE_SIGNATURE;
			break;
		case HVCPUID_VERSION:
			break;
		case HVCPUID_FEATURES:
			e.eax &= HV_FEATURES_EAX;
			e.ebx &= HV_FEATURES_EBX;
			e.edx &= HV_FEATURES_EDX;
			if (!(e.eax & HV_MSR_SYNIC_AVAILABLE) || !(e.ebx & HV_POST_MESSAGES)) {
				log_err("this KVM cannot offer SynIC messages to the guest");
				return -1;
			}
			break;
		case HVCPUID_ENLIGHTENMENT_INFO:
			e.eax &= HV_RECOMMEND_EAX;
			e.ebx = 0xffffffff;	/* never notify about long spin waits */
			break;
		case HVCPUID_IMPLEMENT_LIMITS:
			break;
		default:
			continue;	/* nested/enlightened-VMCS leaves: not offered */
		}
		out[(*n)++] = e;
	}
	return 0;
}

static int hv_exit(struct vcpu *v, struct kvm_run *run, void *opaque)
{
	struct hv *hv = opaque;

	switch (run->hyperv.type) {
	case KVM_EXIT_HYPERV_SYNIC:
		return hv_synic_exit(hv, v, run);
	case KVM_EXIT_HYPERV_HCALL:
		run->hyperv.u.hcall.result = hv_hcall(hv, v->index, run->hyperv.u.hcall.input,
						      run->hyperv.u.hcall.params[0]);
		return 0;
	default:
		log_guest("unknown Hyper-V exit %u", run->hyperv.type);
		return 0;
	}
}

static void hv_crash(struct vcpu *v, void *opaque)
{
	struct {
		struct kvm_msrs m;
		struct kvm_msr_entry e[5];
	} msrs = { .m.nmsrs = 5 };

	(void)opaque;
	for (int i = 0; i < 5; i++)
		msrs.e[i].index = HV_X64_MSR_CRASH_P0 + i;
	ioctl(v->fd, KVM_GET_MSRS, &msrs);
	log_err("guest panic on vCPU %u: P0=0x%llx P1=0x%llx P2=0x%llx P3=0x%llx P4=0x%llx",
		v->index, (unsigned long long)msrs.e[0].data,
		(unsigned long long)msrs.e[1].data, (unsigned long long)msrs.e[2].data,
		(unsigned long long)msrs.e[3].data, (unsigned long long)msrs.e[4].data);
	serial_report_panic();
}

struct hv *hv_create(struct vm *vm)
{
	struct kvm_cpuid_entry2 leaves[16];
	unsigned int n;
	struct hv *hv = calloc(1, sizeof(*hv));

	if (!hv)
		return NULL;
	hv->vm = vm;
	pthread_mutex_init(&hv->lock, NULL);
	hv->vps = calloc(vm->ncpus, sizeof(*hv->vps));
	if (!hv->vps)
		return NULL;
	if (hv_build_cpuid(hv, leaves, &n) || vm_set_cpuid(vm, leaves, n))
		return NULL;

	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_HYPERV_SYNIC2 };
		struct {
			struct kvm_msrs m;
			struct kvm_msr_entry e;
		} crash = { .m.nmsrs = 1, .e = { .index = HV_X64_MSR_CRASH_CTL,
						 .data = HV_CRASH_CTL_CRASH_NOTIFY } };

		if (ioctl(vm->vcpus[i].fd, KVM_ENABLE_CAP, &cap) < 0) {
			log_err("enabling SynIC: %s", strerror(errno));
			return NULL;
		}
		/* Tell the guest it may report crashes (KVM keeps only NOTIFY). */
		if (ioctl(vm->vcpus[i].fd, KVM_SET_MSRS, &crash) != 1)
			log_err("cannot enable the crash MSRs; guest panics go unreported");
	}
	if (hv_synic_init(hv))
		return NULL;
	vm->hyperv_exit = hv_exit;
	vm->crash = hv_crash;
	vm->hv_opaque = hv;
	return hv;
}

int hv_register_event_conn(struct hv *hv, uint32_t conn_id, int eventfd)
{
	struct kvm_hyperv_eventfd e = { .conn_id = conn_id, .fd = eventfd };

	if (ioctl(hv->vm->vm_fd, KVM_HYPERV_EVENTFD, &e) < 0) {
		log_err("KVM_HYPERV_EVENTFD %u: %s", conn_id, strerror(errno));
		return -1;
	}
	return 0;
}

void hv_unregister_event_conn(struct hv *hv, uint32_t conn_id, int eventfd)
{
	struct kvm_hyperv_eventfd e = { .conn_id = conn_id, .fd = eventfd,
					.flags = KVM_HYPERV_EVENTFD_DEASSIGN };

	ioctl(hv->vm->vm_fd, KVM_HYPERV_EVENTFD, &e);
}

uint32_t hv_vp_count(const struct hv *hv)
{
	return hv->vm->ncpus;
}
