// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The few kernel functions the shim does not inline (shim.h). */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/guestshim/shim.h"
#include "linux/ptp_clock_kernel.h"

unsigned int shim_fail_alloc;
enum system_states system_state;
static struct workqueue_struct shim_wq;
struct workqueue_struct *system_wq = &shim_wq, *system_unbound_wq = &shim_wq;
static struct work_struct *shim_head, **shim_tail = &shim_head;

void shim_warn(const char *file, int line)
{
	fprintf(stderr, "guestshim: WARN_ON at %s:%d\n", file, line);
	abort();
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *w)
{
	(void)wq;
	if (w->pending)
		return false;
	w->pending = true;
	w->next = NULL;
	*shim_tail = w;
	shim_tail = &w->next;
	return true;
}

void shim_run_work(void)
{
	while (shim_head) {
		struct work_struct *w = shim_head;

		shim_head = w->next;
		if (!shim_head)
			shim_tail = &shim_head;
		w->pending = false;
		w->func(w);	/* may free w */
	}
}

bool cancel_work_sync(struct work_struct *w)
{
	for (struct work_struct **p = &shim_head; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			if (!*p)
				shim_tail = p;
			w->pending = false;
			return true;
		}
	}
	return false;
}

struct workqueue_struct *alloc_ordered_workqueue(const char *fmt, unsigned int flags, ...)
{
	(void)fmt;
	(void)flags;
	return &shim_wq;
}

static struct page *shim_pages;
static u64 shim_next_pfn = 0x10000;

struct page *alloc_page(gfp_t gfp __attribute__((unused)))
{
	struct page *p;

	if (shim_fail_alloc && !--shim_fail_alloc)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->fd = memfd_create("guestshim-page", MFD_CLOEXEC);
	if (p->fd < 0 || ftruncate(p->fd, PAGE_SIZE) < 0)
		abort();
	p->addr = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->addr == MAP_FAILED)
		abort();
	p->pfn = shim_next_pfn++;
	p->next = shim_pages;
	shim_pages = p;
	return p;
}

void __free_page(struct page *p)
{
	struct page **pp;

	for (pp = &shim_pages; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (!*pp)
		abort();	/* freed twice, or never allocated */
	*pp = p->next;
	munmap(p->addr, PAGE_SIZE);
	close(p->fd);
	free(p);
}

struct page *virt_to_page(const void *addr)
{
	for (struct page *p = shim_pages; p; p = p->next)
		if ((const char *)addr >= (char *)p->addr && (const char *)addr < (char *)p->addr + PAGE_SIZE)
			return p;
	abort();
}

struct page *shim_pfn_to_page(u64 pfn)
{
	for (struct page *p = shim_pages; p; p = p->next)
		if (p->pfn == pfn)
			return p;
	return NULL;
}

unsigned int shim_free_pages(void)
{
	unsigned int n = 0;

	while (shim_pages) {
		__free_page(shim_pages);
		n++;
	}
	return n;
}

/* vmap'ed ranges and their sizes, for vunmap. */
static struct shim_vmap {
	void *addr;
	size_t len;
} shim_vmaps[64];

void *vmap(struct page **pages, unsigned int count, unsigned long flags, int prot)
{
	size_t len = (size_t)count * PAGE_SIZE;
	char *base;
	unsigned int k;

	(void)flags;
	(void)prot;
	for (k = 0; k < ARRAY_SIZE(shim_vmaps) && shim_vmaps[k].addr; k++)
		;
	if (k == ARRAY_SIZE(shim_vmaps))
		return NULL;
	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (unsigned int i = 0; i < count; i++)
		if (mmap(base + (size_t)i * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, pages[i]->fd, 0) == MAP_FAILED)
			abort();
	shim_vmaps[k] = (struct shim_vmap){ base, len };
	return base;
}

void vunmap(const void *addr)
{
	for (unsigned int k = 0; k < ARRAY_SIZE(shim_vmaps); k++) {
		if (shim_vmaps[k].addr == addr) {
			munmap(shim_vmaps[k].addr, shim_vmaps[k].len);
			shim_vmaps[k].addr = NULL;
			return;
		}
	}
	abort();	/* not a vmap */
}

static struct tasklet_struct *shim_tl_head, **shim_tl_tail = &shim_tl_head;

void tasklet_schedule(struct tasklet_struct *t)
{
	if (t->scheduled)
		return;
	t->scheduled = true;
	t->next = NULL;
	*shim_tl_tail = t;
	shim_tl_tail = &t->next;
}

void tasklet_kill(struct tasklet_struct *t)
{
	for (struct tasklet_struct **p = &shim_tl_head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			if (!*p)
				shim_tl_tail = p;
			break;
		}
	}
	t->scheduled = false;
}

unsigned int shim_run_tasklets(unsigned int max)
{
	unsigned int n = 0;

	while (shim_tl_head && n < max) {
		struct tasklet_struct *t = shim_tl_head;

		shim_tl_head = t->next;
		if (!shim_tl_head)
			shim_tl_tail = &shim_tl_head;
		t->scheduled = false;
		t->callback(t);
		n++;
	}
	return n;
}

struct ptp_clock *shim_ptp;

struct ptp_clock *ptp_clock_register(struct ptp_clock_info *info, struct device *parent)
{
	struct ptp_clock *p = malloc(sizeof(*p));

	(void)parent;
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (shim_ptp)
		abort();	/* one at a time: the last was never unregistered */
	p->info = info;
	shim_ptp = p;
	return p;
}

void ptp_clock_unregister(struct ptp_clock *ptp)
{
	if (ptp != shim_ptp)
		abort();
	shim_ptp = NULL;
	free(ptp);
}
