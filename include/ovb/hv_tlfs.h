/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The subset of the Hyper-V Top-Level Functional Specification that
 * openvmbus uses: CPUID leaves, synthetic MSRs, hypercalls, the SynIC
 * message and event-flag pages, and the reference TSC page.
 *
 * Sources: Linux 6.1 include/asm-generic/hyperv-tlfs.h and
 * arch/x86/include/asm/hyperv-tlfs.h (values and layouts), and
 * arch/x86/kvm/hyperv.c (what KVM implements of them).
 */
#ifndef OVB_HV_TLFS_H
#define OVB_HV_TLFS_H

#include "ovb/types.h"

#define OVB_HV_BIT(n)		(1u << (n))
#define OVB_HV_BIT64(n)		(1ull << (n))

/* ---- CPUID leaves ------------------------------------------------------- */
#define HVCPUID_VENDOR_AND_MAX		0x40000000	/* ebx,ecx,edx "Microsoft Hv" */
#define HVCPUID_INTERFACE		0x40000001	/* eax "Hv#1" */
#define HVCPUID_VERSION			0x40000002
#define HVCPUID_FEATURES		0x40000003
#define HVCPUID_ENLIGHTENMENT_INFO	0x40000004
#define HVCPUID_IMPLEMENT_LIMITS	0x40000005
#define HVCPUID_HW_FEATURES		0x40000006
#define HVCPUID_CPU_MANAGEMENT		0x40000007
#define HVCPUID_NESTED_FEATURES		0x4000000A
#define HVCPUID_MAX_LEAF_USED		0x4000000A

#define HV_INTERFACE_SIGNATURE		0x31237648	/* "Hv#1" */
/* "Microsoft Hv" split across ebx, ecx, edx. */
#define HV_VENDOR_EBX			0x7263694d	/* "Micr" */
#define HV_VENDOR_ECX			0x666f736f	/* "osof" */
#define HV_VENDOR_EDX			0x76482074	/* "t Hv" */

/* HVCPUID_FEATURES.eax: partition privileges, low half (MSR access). */
#define HV_MSR_VP_RUNTIME_AVAILABLE		OVB_HV_BIT(0)
#define HV_MSR_TIME_REF_COUNT_AVAILABLE		OVB_HV_BIT(1)
#define HV_MSR_SYNIC_AVAILABLE			OVB_HV_BIT(2)
#define HV_MSR_SYNTIMER_AVAILABLE		OVB_HV_BIT(3)
#define HV_MSR_APIC_ACCESS_AVAILABLE		OVB_HV_BIT(4)
#define HV_MSR_HYPERCALL_AVAILABLE		OVB_HV_BIT(5)
#define HV_MSR_VP_INDEX_AVAILABLE		OVB_HV_BIT(6)
#define HV_MSR_RESET_AVAILABLE			OVB_HV_BIT(7)
#define HV_MSR_STAT_PAGES_AVAILABLE		OVB_HV_BIT(8)
#define HV_MSR_REFERENCE_TSC_AVAILABLE		OVB_HV_BIT(9)
#define HV_MSR_GUEST_IDLE_AVAILABLE		OVB_HV_BIT(10)
#define HV_ACCESS_FREQUENCY_MSRS		OVB_HV_BIT(11)
#define HV_ACCESS_REENLIGHTENMENT		OVB_HV_BIT(13)
#define HV_ACCESS_TSC_INVARIANT			OVB_HV_BIT(15)

/* HVCPUID_FEATURES.ebx: partition privileges, high half (hypercalls). */
#define HV_POST_MESSAGES			OVB_HV_BIT(4)
#define HV_SIGNAL_EVENTS			OVB_HV_BIT(5)

/* HVCPUID_FEATURES.edx: miscellaneous features. */
#define HV_FEATURE_MWAIT_AVAILABLE		OVB_HV_BIT(0)
#define HV_FEATURE_GUEST_DEBUGGING		OVB_HV_BIT(1)
#define HV_FEATURE_PERF_MONITOR			OVB_HV_BIT(2)
#define HV_FEATURE_HYPERCALL_XMM_INPUT		OVB_HV_BIT(4)
#define HV_FEATURE_GUEST_IDLE_STATE		OVB_HV_BIT(5)
#define HV_FEATURE_FREQUENCY_MSRS_AVAILABLE	OVB_HV_BIT(8)
#define HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE	OVB_HV_BIT(10)
#define HV_FEATURE_DEBUG_MSRS_AVAILABLE		OVB_HV_BIT(11)
#define HV_FEATURE_HYPERCALL_XMM_OUTPUT		OVB_HV_BIT(15)
#define HV_STIMER_DIRECT_MODE_AVAILABLE		OVB_HV_BIT(19)

/* HVCPUID_ENLIGHTENMENT_INFO.eax: recommendations. */
#define HV_REC_AS_SWITCH			OVB_HV_BIT(0)
#define HV_REC_LOCAL_TLB_FLUSH			OVB_HV_BIT(1)
#define HV_REC_REMOTE_TLB_FLUSH			OVB_HV_BIT(2)
#define HV_REC_APIC_ACCESS			OVB_HV_BIT(3)
#define HV_REC_SYSTEM_RESET			OVB_HV_BIT(4)
#define HV_REC_RELAXED_TIMING			OVB_HV_BIT(5)
#define HV_REC_DEPRECATING_AEOI			OVB_HV_BIT(9)
#define HV_REC_CLUSTER_IPI			OVB_HV_BIT(10)
#define HV_REC_EX_PROCESSOR_MASKS		OVB_HV_BIT(11)

/* ---- synthetic MSRs ---------------------------------------------------- */
#define HV_X64_MSR_GUEST_OS_ID		0x40000000
#define HV_X64_MSR_HYPERCALL		0x40000001
#define HV_X64_MSR_VP_INDEX		0x40000002
#define HV_X64_MSR_RESET		0x40000003
#define HV_X64_MSR_VP_RUNTIME		0x40000010
#define HV_X64_MSR_TIME_REF_COUNT	0x40000020
#define HV_X64_MSR_REFERENCE_TSC	0x40000021
#define HV_X64_MSR_TSC_FREQUENCY	0x40000022
#define HV_X64_MSR_APIC_FREQUENCY	0x40000023
#define HV_X64_MSR_EOI			0x40000070
#define HV_X64_MSR_ICR			0x40000071
#define HV_X64_MSR_TPR			0x40000072
#define HV_X64_MSR_VP_ASSIST_PAGE	0x40000073
#define HV_X64_MSR_SCONTROL		0x40000080
#define HV_X64_MSR_SVERSION		0x40000081
#define HV_X64_MSR_SIEFP		0x40000082
#define HV_X64_MSR_SIMP			0x40000083
#define HV_X64_MSR_EOM			0x40000084
#define HV_X64_MSR_SINT0		0x40000090	/* SINTn = SINT0 + n */
#define HV_X64_MSR_SINT15		0x4000009F
#define HV_X64_MSR_STIMER0_CONFIG	0x400000B0	/* CONFIGn = + 2n */
#define HV_X64_MSR_STIMER0_COUNT	0x400000B1	/* COUNTn = + 2n */
#define HV_X64_MSR_GUEST_IDLE		0x400000F0
#define HV_X64_MSR_CRASH_P0		0x40000100
#define HV_X64_MSR_CRASH_P1		0x40000101
#define HV_X64_MSR_CRASH_P2		0x40000102
#define HV_X64_MSR_CRASH_P3		0x40000103
#define HV_X64_MSR_CRASH_P4		0x40000104
#define HV_X64_MSR_CRASH_CTL		0x40000105

/* GUEST_OS_ID: Linux's open-source layout (bit 63 set, vendor 0x8100). */
#define HV_GUEST_OS_ID_OPENSOURCE	OVB_HV_BIT64(63)
#define HV_LINUX_VENDOR_ID		0x8100ull
#define HV_GUEST_OS_ID_VENDOR_SHIFT	48

/* HYPERCALL MSR: enable bit and page frame. */
#define HV_HYPERCALL_ENABLE		0x1ull
#define HV_HYPERCALL_PAGE_SHIFT		12

/* REFERENCE_TSC MSR: enable bit and page frame. */
#define HV_REFERENCE_TSC_ENABLE		0x1ull
#define HV_REFERENCE_TSC_PAGE_SHIFT	12

/* CRASH_CTL: P0-P4 are valid (and P3/P4 = GPA/size of a message). */
#define HV_CRASH_CTL_CRASH_NOTIFY_MSG	OVB_HV_BIT64(62)
#define HV_CRASH_CTL_CRASH_NOTIFY	OVB_HV_BIT64(63)

/* ---- SynIC ------------------------------------------------------------- */
#define HV_SYNIC_SINT_COUNT		16
#define HV_SYNIC_STIMER_COUNT		4
#define HV_SYNIC_VERSION_1		0x1
#define HV_SYNIC_FIRST_VALID_VECTOR	16
#define HV_SYNIC_CONTROL_ENABLE		OVB_HV_BIT64(0)
#define HV_SYNIC_SIMP_ENABLE		OVB_HV_BIT64(0)
#define HV_SYNIC_SIEFP_ENABLE		OVB_HV_BIT64(0)
#define HV_SYNIC_PAGE_SHIFT		12	/* SIMP/SIEFP GPA = value & ~0xfff */
#define HV_SYNIC_SINT_VECTOR_MASK	0xffull
#define HV_SYNIC_SINT_MASKED		OVB_HV_BIT64(16)
#define HV_SYNIC_SINT_AUTO_EOI		OVB_HV_BIT64(17)
#define HV_SYNIC_SINT_POLLING		OVB_HV_BIT64(18)

/* STIMERn_CONFIG bits. */
#define HV_STIMER_ENABLE		OVB_HV_BIT64(0)
#define HV_STIMER_PERIODIC		OVB_HV_BIT64(1)
#define HV_STIMER_LAZY			OVB_HV_BIT64(2)
#define HV_STIMER_AUTOENABLE		OVB_HV_BIT64(3)
#define HV_STIMER_APIC_VECTOR_SHIFT	4		/* 8 bits, direct mode */
#define HV_STIMER_DIRECT_MODE		OVB_HV_BIT64(12)
#define HV_STIMER_SINT_SHIFT		16		/* 4 bits */

/* Time reference counter and timers count in 100 ns units. */
#define HV_CLOCK_HZ			10000000ull

/* SynIC message page: one 256-byte slot per SINT. */
#define HV_MESSAGE_SIZE			256
#define HV_MESSAGE_PAYLOAD_BYTE_COUNT	240
#define HV_MESSAGE_PAYLOAD_QWORD_COUNT	30

/* Message types (enum hv_message_type). */
#define HVMSG_NONE			0x00000000u
#define HVMSG_UNMAPPED_GPA		0x80000000u
#define HVMSG_GPA_INTERCEPT		0x80000001u
#define HVMSG_TIMER_EXPIRED		0x80000010u
#define HVMSG_INVALID_VP_REGISTER_VALUE	0x80000020u
#define HVMSG_UNRECOVERABLE_EXCEPTION	0x80000021u
#define HVMSG_UNSUPPORTED_FEATURE	0x80000022u
#define HVMSG_EVENTLOG_BUFFERCOMPLETE	0x80000040u

/* message_flags: another message is waiting, write EOM when done. */
#define HV_MESSAGE_FLAG_PENDING		0x1

struct hv_message_header {
	u32 message_type;
	u8 payload_size;
	u8 message_flags;
	u8 reserved[2];
	u64 sender;		/* or a port id in the low 24 bits */
} __packed;
OVB_ASSERT_SIZE(struct hv_message_header, 16);

struct hv_message {
	struct hv_message_header header;
	u64 payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
} __packed;
OVB_ASSERT_SIZE(struct hv_message, HV_MESSAGE_SIZE);
OVB_ASSERT_OFFSET(struct hv_message, payload, 16);

struct hv_message_page {
	struct hv_message sint_message[HV_SYNIC_SINT_COUNT];
} __packed;
OVB_ASSERT_SIZE(struct hv_message_page, 4096);

struct hv_timer_message_payload {
	u32 timer_index;
	u32 reserved;
	u64 expiration_time;
	u64 delivery_time;
} __packed;
OVB_ASSERT_SIZE(struct hv_timer_message_payload, 24);

/* SynIC event-flag page: one 2048-bit (256-byte) bitmap per SINT. */
#define HV_EVENT_FLAGS_BYTE_COUNT	256
#define HV_EVENT_FLAGS_COUNT		(HV_EVENT_FLAGS_BYTE_COUNT * 8)

struct hv_synic_event_flags {
	u8 flags[HV_EVENT_FLAGS_BYTE_COUNT];
} __packed;
OVB_ASSERT_SIZE(struct hv_synic_event_flags, 256);

struct hv_synic_event_flags_page {
	struct hv_synic_event_flags sintevent_flags[HV_SYNIC_SINT_COUNT];
} __packed;
OVB_ASSERT_SIZE(struct hv_synic_event_flags_page, 4096);

/* ---- reference TSC page (struct ms_hyperv_tsc_page) -------------------- */
/*
 * time = ((tsc * tsc_scale) >> 64) + tsc_offset, in 100 ns units, valid
 * while tsc_sequence is the same before and after reading (0 = invalid,
 * fall back to the TIME_REF_COUNT MSR).
 */
struct hv_ref_tsc_page {
	u32 tsc_sequence;
	u32 reserved1;
	u64 tsc_scale;
	s64 tsc_offset;
	u8 reserved2[4072];
} __packed;
OVB_ASSERT_SIZE(struct hv_ref_tsc_page, 4096);
OVB_ASSERT_OFFSET(struct hv_ref_tsc_page, tsc_scale, 8);
OVB_ASSERT_OFFSET(struct hv_ref_tsc_page, tsc_offset, 16);

/* ---- hypercalls -------------------------------------------------------- */
#define HVCALL_NOTIFY_LONG_SPIN_WAIT	0x0008
#define HVCALL_SEND_IPI			0x000b
#define HVCALL_POST_MESSAGE		0x005c
#define HVCALL_SIGNAL_EVENT		0x005d

/* The hypercall input value (RCX on x64). */
#define HV_HYPERCALL_CODE_MASK		0xffffull
#define HV_HYPERCALL_FAST_BIT		OVB_HV_BIT64(16)
#define HV_HYPERCALL_VARHEAD_SHIFT	17
#define HV_HYPERCALL_REP_COMP_SHIFT	32
#define HV_HYPERCALL_REP_COMP_MASK	(0xfffull << 32)
#define HV_HYPERCALL_REP_START_SHIFT	48

/* Hypercall status, the low 16 bits of the result (RAX). */
#define HV_STATUS_SUCCESS			0
#define HV_STATUS_INVALID_HYPERCALL_CODE	2
#define HV_STATUS_INVALID_HYPERCALL_INPUT	3
#define HV_STATUS_INVALID_ALIGNMENT		4
#define HV_STATUS_INVALID_PARAMETER		5
#define HV_STATUS_ACCESS_DENIED			6
#define HV_STATUS_OPERATION_DENIED		8
#define HV_STATUS_INSUFFICIENT_MEMORY		11
#define HV_STATUS_INVALID_PORT_ID		17
#define HV_STATUS_INVALID_CONNECTION_ID		18
#define HV_STATUS_INSUFFICIENT_BUFFERS		19

/* Connection ids are 24 bits. */
#define HV_CONNECTION_ID_MASK		0x00ffffffu

/* HvPostMessage input page (struct hv_input_post_message). */
struct hv_input_post_message {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u64 payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
} __packed;
OVB_ASSERT_SIZE(struct hv_input_post_message, 256);
OVB_ASSERT_OFFSET(struct hv_input_post_message, payload, 16);

/* HvSignalEvent input (struct hv_input_signal_event): also a fast call. */
struct hv_input_signal_event {
	u32 connection_id;
	u16 flag_number;
	u16 rsvdz;
} __packed;
OVB_ASSERT_SIZE(struct hv_input_signal_event, 8);

#endif /* OVB_HV_TLFS_H */
