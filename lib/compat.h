/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What lib/ needs from its environment, for the kernel and for userspace:
 * single-access loads/stores of shared memory, memory barriers, memcpy and
 * errno values. Nothing else in lib/ may include a kernel or libc header.
 */
#ifndef OVB_LIB_COMPAT_H
#define OVB_LIB_COMPAT_H

#include "ovb/types.h"

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/barrier.h>

#define OVB_READ_ONCE(x)	READ_ONCE(x)
#define OVB_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* The peer is another VM or the host: virt_* barriers, never the smp_ ones. */
#define OVB_LOAD_ACQUIRE(p)	virt_load_acquire(p)
#define OVB_STORE_RELEASE(p, v)	virt_store_release(p, v)
#define ovb_mb()		virt_mb()
#define ovb_rmb()		virt_rmb()
#define ovb_wmb()		virt_wmb()
#define ovb_likely(x)		likely(x)
#define ovb_unlikely(x)		unlikely(x)
typedef bool ovb_bool;
#else
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define OVB_READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define OVB_WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define OVB_LOAD_ACQUIRE(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define OVB_STORE_RELEASE(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define ovb_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ovb_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ovb_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define ovb_likely(x)		__builtin_expect(!!(x), 1)
#define ovb_unlikely(x)		__builtin_expect(!!(x), 0)
typedef bool ovb_bool;
#endif

#endif /* OVB_LIB_COMPAT_H */
