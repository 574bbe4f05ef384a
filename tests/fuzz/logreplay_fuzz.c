// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: a hostile dm-log-writes log (tests/crash). The input is the
 * whole log; it is replayed onto a fresh 1 MiB image (a memfd, emptied each
 * run) with 4 KiB records checked. The reader and the replay must never
 * touch memory outside their buffers (ASan), write outside the image, or
 * loop past the log: every input ends in a clean result or an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/crash/replay.h"

#define FZ_DEV (1u << 20)

struct fz_log {
	const uint8_t *p;
	size_t len;
};

static int fz_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct fz_log *l = ctx;

	if (off > l->len || len > l->len - off)
		return -1;
	memcpy(buf, l->p + off, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static int img = -1;
	struct replay_opts o = { .dev_size = FZ_DEV, .rec_size = 4096, .salt = 1 };
	struct fz_log fl = { in, size };
	struct replay_stats st;
	const char *err;
	struct lw_log l;
	struct stat sb;

	if (img < 0)
		img = memfd_create("logreplay_fuzz", 0);
	if (img < 0 || ftruncate(img, 0) || ftruncate(img, FZ_DEV))
		abort();
	if (lw_open(&l, fz_read, &fl, size, &err))
		return 0;
	replay_run(&l, img, &o, &st, &err);
	lw_close(&l);
	/* Nothing beyond the device: the image keeps its size. */
	if (fstat(img, &sb) || sb.st_size != FZ_DEV)
		abort();
	return 0;
}
