// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The few kernel functions the shim does not inline (shim.h). */
#include <stdio.h>

#include "tests/fuzz/guestshim/shim.h"

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
