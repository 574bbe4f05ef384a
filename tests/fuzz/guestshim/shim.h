/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A thin stand-in for the kernel API that the guest's parsers of host
 * bytes use, so vmbus/, icvsc/ (and what they include) compile in
 * userspace under libFuzzer. Only what those files need, and nothing
 * clever: locks are no-ops (a fuzzer runs one thread), work items run when
 * the fuzzer flushes them (shim_run_work), allocations are malloc (so ASan
 * and LSan watch them), printk formats are checked and the text dropped.
 * Every header under linux/ and asm/ here includes this one file, except
 * linux/errno.h, which is the real one (glibc's errno.h includes it).
 */
#ifndef OVB_GUESTSHIM_H
#define OVB_GUESTSHIM_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/*
 * Built as kernel code: include/ovb and lib/ take their kernel branches,
 * and u64 is unsigned long long as the guest's printk formats expect.
 */
#define __KERNEL__ 1
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
#define __packed		__attribute__((__packed__))

#include "ovb/types.h"

/* ---- compiler ------------------------------------------------------------ */
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __init
#define __exit
#define __rcu
#define __iomem
#define __always_unused		__attribute__((__unused__))
#define __maybe_unused		__attribute__((__unused__))
#define fallthrough		__attribute__((__fallthrough__))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define virt_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define virt_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define virt_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define WARN_ON(c)		({ bool w_ = !!(c); if (w_) shim_warn(__FILE__, __LINE__); w_; })
#define WARN_ON_ONCE(c)		WARN_ON(c)
#define BUG_ON(c)		do { if (c) abort(); } while (0)
#define might_sleep()		do { } while (0)
#define lockdep_assert_held(l)	do { (void)(l); } while (0)

/* A kernel warning is a finding: the fuzzer aborts on it. */
void shim_warn(const char *file, int line);

/* ---- types ------------------------------------------------------------- */
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef uint64_t phys_addr_t;
typedef uint64_t resource_size_t;
typedef unsigned int gfp_t;
typedef struct { u8 b[16]; } guid_t;
#define GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) OVB_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)

static inline bool guid_equal(const guid_t *a, const guid_t *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* ---- printk: formats checked, text dropped ------------------------------- */
static inline __attribute__((format(printf, 1, 2))) void shim_printk(const char *fmt, ...)
{
	(void)fmt;
}
#define pr_err(...)			shim_printk(__VA_ARGS__)
#define pr_warn(...)			shim_printk(__VA_ARGS__)
#define pr_info(...)			shim_printk(__VA_ARGS__)
#define pr_debug(...)			shim_printk(__VA_ARGS__)
#define pr_err_ratelimited(...)		shim_printk(__VA_ARGS__)
#define pr_warn_ratelimited(...)	shim_printk(__VA_ARGS__)
#define pr_info_ratelimited(...)	shim_printk(__VA_ARGS__)
#define dev_err(d, ...)			((void)(d), shim_printk(__VA_ARGS__))
#define dev_warn(d, ...)		((void)(d), shim_printk(__VA_ARGS__))
#define dev_info(d, ...)		((void)(d), shim_printk(__VA_ARGS__))
#define dev_dbg(d, ...)			((void)(d), shim_printk(__VA_ARGS__))
#define dev_err_ratelimited(d, ...)	((void)(d), shim_printk(__VA_ARGS__))
#define dev_warn_ratelimited(d, ...)	((void)(d), shim_printk(__VA_ARGS__))
#define dev_info_ratelimited(d, ...)	((void)(d), shim_printk(__VA_ARGS__))

/* ---- memory ------------------------------------------------------------ */
#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u
#define __GFP_ZERO	2u
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1ul << PAGE_SHIFT)
#define SZ_4K		0x1000
#define SZ_64K		0x10000
#define SZ_1M		0x100000

/* kzalloc may fail when the fuzzer says so (shim_fail_alloc). */
extern unsigned int shim_fail_alloc;

static inline void *kmalloc(size_t n, gfp_t f)
{
	void *p;

	if (shim_fail_alloc && !--shim_fail_alloc)
		return NULL;
	p = malloc(n ? n : 1);
	if (p && (f & __GFP_ZERO))
		memset(p, 0, n);
	return p;
}
#define kzalloc(n, f)		kmalloc(n, (f) | __GFP_ZERO)
#define kcalloc(k, n, f)	kzalloc((size_t)(k) * (n), f)
#define kfree(p)		free((void *)(p))
#define vmalloc(n)		kmalloc(n, 0)
#define vzalloc(n)		kzalloc(n, 0)
#define vfree(p)		free(p)

/* ---- lists --------------------------------------------------------------- */
struct list_head {
	struct list_head *next, *prev;
};
#define LIST_HEAD_INIT(n)	{ &(n), &(n) }
#define LIST_HEAD(n)		struct list_head n = LIST_HEAD_INIT(n)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;	/* a use after list_del faults */
}

static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_splice_init(struct list_head *from, struct list_head *to)
{
	if (list_empty(from))
		return;
	from->next->prev = to;
	from->prev->next = to->next;
	to->next->prev = from->prev;
	to->next = from->next;
	INIT_LIST_HEAD(from);
}

#define list_entry(p, t, m)		container_of(p, t, m)
#define list_first_entry(h, t, m)	list_entry((h)->next, t, m)
#define list_first_entry_or_null(h, t, m) (list_empty(h) ? NULL : list_first_entry(h, t, m))
#define list_next_entry(p, m)		list_entry((p)->m.next, __typeof__(*(p)), m)
#define list_entry_is_head(p, h, m)	(&(p)->m == (h))
#define list_for_each_entry(p, h, m)					\
	for (p = list_first_entry(h, __typeof__(*p), m); !list_entry_is_head(p, h, m); \
	     p = list_next_entry(p, m))
#define list_for_each_entry_safe(p, n, h, m)				\
	for (p = list_first_entry(h, __typeof__(*p), m), n = list_next_entry(p, m); \
	     !list_entry_is_head(p, h, m); p = n, n = list_next_entry(n, m))

/* ---- locks: one thread, so no-ops that still type-check ------------------- */
struct mutex {
	int held;
};
typedef struct {
	int held;
} spinlock_t;
#define DEFINE_MUTEX(m)			struct mutex m = { 0 }
#define DEFINE_SPINLOCK(s)		spinlock_t s = { 0 }
#define mutex_init(m)			((m)->held = 0)
#define mutex_lock(m)			((m)->held++)
#define mutex_unlock(m)			((m)->held--)
#define mutex_destroy(m)		((void)(m))
#define spin_lock_init(s)		((s)->held = 0)
#define spin_lock(s)			((s)->held++)
#define spin_unlock(s)			((s)->held--)
#define spin_lock_bh(s)			((s)->held++)
#define spin_unlock_bh(s)		((s)->held--)
#define spin_lock_irqsave(s, f)		((f) = 0, (s)->held++)
#define spin_unlock_irqrestore(s, f)	((void)(f), (s)->held--)
#define rcu_read_lock()			do { } while (0)
#define rcu_read_unlock()		do { } while (0)
#define synchronize_rcu()		do { } while (0)
#define rcu_dereference(p)		(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)		(p)
#define rcu_assign_pointer(p, v)	((p) = (v))
#define RCU_INIT_POINTER(p, v)		((p) = (v))

/* ---- atomics ------------------------------------------------------------- */
typedef struct {
	int counter;
} atomic_t;
typedef struct {
	long long counter;
} atomic64_t;
#define ATOMIC_INIT(v)			{ (v) }
#define atomic_read(a)			((a)->counter)
#define atomic_set(a, v)		((a)->counter = (v))
#define atomic_inc(a)			((void)++(a)->counter)
#define atomic_dec(a)			((void)--(a)->counter)
#define atomic_inc_return(a)		(++(a)->counter)
#define atomic_dec_return(a)		(--(a)->counter)
#define atomic64_inc_return(a)		(++(a)->counter)
#define atomic64_read(a)		((a)->counter)

/* ---- completions: nothing waits; a wait times out unless already done ---- */
struct completion {
	unsigned int done;
};
#define HZ 100
#define init_completion(c)		((c)->done = 0)
#define reinit_completion(c)		((c)->done = 0)
#define complete(c)			((c)->done++)
#define complete_all(c)			((c)->done = UINT_MAX / 2)
#define completion_done(c)		((c)->done != 0)
static inline unsigned long wait_for_completion_timeout(struct completion *c, unsigned long t)
{
	if (!c->done)
		return 0;
	c->done--;
	return t ? t : 1;
}
#define usleep_range(a, b)		do { } while (0)
#define msleep(ms)			do { } while (0)
#define msecs_to_jiffies(ms)		((unsigned long)(ms) / 10)

/* ---- work: queued, run when the fuzzer flushes ----------------------------- */
struct work_struct;
typedef void (*work_func_t)(struct work_struct *);
struct work_struct {
	work_func_t func;
	struct work_struct *next;
	bool pending;
};
struct workqueue_struct {
	int unused;
};
extern struct workqueue_struct *system_wq, *system_unbound_wq;
#define INIT_WORK(w, f)			((w)->func = (f), (w)->next = NULL, (w)->pending = false)
#define DECLARE_WORK(n, f)		struct work_struct n = { .func = (f) }
bool queue_work(struct workqueue_struct *wq, struct work_struct *w);
#define schedule_work(w)		queue_work(system_wq, w)
/* Run queued work until none is left (work may queue more). */
void shim_run_work(void);
#define flush_workqueue(wq)		((void)(wq), shim_run_work())
#define flush_work(w)			((void)(w), shim_run_work())
bool cancel_work_sync(struct work_struct *w);
struct workqueue_struct *alloc_ordered_workqueue(const char *fmt, unsigned int flags, ...);
#define destroy_workqueue(wq)		((void)(wq))

/* ---- modules, devices, ACPI, power ----------------------------------------- */
struct module;
#define THIS_MODULE			((struct module *)NULL)

/* linux/err.h */
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (unsigned long)p >= (unsigned long)-4095; }
#define MODULE_DESCRIPTION(s)
#define MODULE_LICENSE(s)
#define MODULE_AUTHOR(s)
#define MODULE_PARM_DESC(n, s)
#define MODULE_DEVICE_TABLE(t, n)	static const void *shim_tbl_##n __attribute__((unused)) = &n
#define module_param(n, t, p)		static const void *shim_par_##n __attribute__((unused)) = &n
#define module_init(f)			int (*shim_module_init)(void) = f
#define module_exit(f)			void (*shim_module_exit)(void) = f
#define module_driver(d, reg, unreg, ...)	static const void *shim_drv_##d __attribute__((unused)) = &d
#define EXPORT_SYMBOL_GPL(s)		extern int shim_export_##s
#define EXPORT_SYMBOL(s)		extern int shim_export_##s

struct device {
	const char *name;
	struct device *parent;
	void *driver_data;
	struct device_driver *driver;
};
struct device_driver {
	const char *name;
};
struct bus_type {
	const char *name;
};
struct hv_vmbus_device_id {
	guid_t guid;
	unsigned long driver_data;
};
struct acpi_device_id {
	char id[16];
	unsigned long driver_data;
};
struct acpi_device {
	struct device dev;
};
struct acpi_driver {
	const char *name;
	const struct acpi_device_id *ids;
	struct {
		int (*add)(struct acpi_device *);
		int (*remove)(struct acpi_device *);
	} ops;
};
#define acpi_bus_register_driver(d)	((void)(d), 0)
#define acpi_bus_unregister_driver(d)	((void)(d))
struct syscore_ops {
	void (*shutdown)(void);
};
#define register_syscore_ops(o)		((void)(o))
#define unregister_syscore_ops(o)	((void)(o))
enum system_states { SYSTEM_RUNNING, SYSTEM_HALT, SYSTEM_POWER_OFF, SYSTEM_RESTART };
extern enum system_states system_state;
/* Counted by the fuzzer. */
void orderly_poweroff(bool force);
void orderly_reboot(void);

#define nr_cpu_ids			1u
#define cpu_online(c)			((c) == 0)
#define smp_processor_id()		0

/* ---- kernel version (compat.h) ------------------------------------------- */
#define KERNEL_VERSION(a, b, c)		(((a) << 16) + ((b) << 8) + (c))
#define LINUX_VERSION_CODE		KERNEL_VERSION(6, 1, 0)

/* ---- pages: each its own memfd page, so vmap can map them again --------- */
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define SZ_16M			0x1000000
#define VM_MAP			0
#define PAGE_KERNEL		0
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
struct page {
	void *addr;
	int fd;
	u64 pfn;
	struct page *next;	/* every page not yet freed (shim_free_pages) */
};
struct page *alloc_page(gfp_t gfp);
void __free_page(struct page *p);
#define page_address(p)		((p)->addr)
#define page_to_pfn(p)		((p)->pfn)
struct page *virt_to_page(const void *addr);
#define is_vmalloc_addr(p)	((void)(p), false)
#define vmalloc_to_pfn(p)	((void)(p), 0ul)
/* The page of guest frame @pfn, or NULL: the fake host reads GPADLs with it. */
struct page *shim_pfn_to_page(u64 pfn);
/* Free every page still allocated (leaked on purpose or not); returns how many. */
unsigned int shim_free_pages(void);
void *vmap(struct page **pages, unsigned int count, unsigned long flags, int prot);
void vunmap(const void *addr);
static inline void *kmalloc_array(size_t n, size_t size, gfp_t f)
{
	return kmalloc(n * size, f);
}
#define xchg(p, v)		__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)

/* ---- bits ------------------------------------------------------------------ */
#define BITS_PER_LONG		(8 * (int)sizeof(long))
static inline bool test_bit(unsigned int nr, const unsigned long *a)
{
	return (a[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}
static inline bool sync_test_and_clear_bit(unsigned int nr, unsigned long *a)
{
	unsigned long m = 1ul << (nr % BITS_PER_LONG);

	return __atomic_fetch_and(&a[nr / BITS_PER_LONG], ~m, __ATOMIC_SEQ_CST) & m;
}
static inline unsigned int shim_next_bit(const unsigned long *a, unsigned int n, unsigned int from)
{
	while (from < n && !test_bit(from, a))
		from++;
	return from;
}
#define for_each_set_bit(b, a, n) \
	for ((b) = shim_next_bit(a, n, 0); (b) < (n); (b) = shim_next_bit(a, n, (b) + 1))

/* ---- tasklets: queued, run by shim_run_tasklets --------------------------- */
struct tasklet_struct {
	void (*callback)(struct tasklet_struct *t);
	struct tasklet_struct *next;
	bool scheduled;
};
#define tasklet_setup(t, cb)	((t)->callback = (cb), (t)->next = NULL, (t)->scheduled = false)
#define from_tasklet(var, t, field) container_of(t, __typeof__(*var), field)
void tasklet_schedule(struct tasklet_struct *t);
void tasklet_kill(struct tasklet_struct *t);
/* Run scheduled tasklets, at most @max runs; returns how many ran. */
unsigned int shim_run_tasklets(unsigned int max);

#define device_lock(d)		((void)(d))
#define device_unlock(d)	((void)(d))
#define sysfs_emit_at(buf, at, ...) snprintf((buf) + (at), 4096 - (at), __VA_ARGS__)

#endif /* OVB_GUESTSHIM_H */
