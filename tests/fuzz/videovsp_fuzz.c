// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the host's parser of synthetic video messages from
 * the guest (hostside/videovsp/synthvid_proto.c). Input: messages one
 * after the other, each a 16-bit little-endian length then that many
 * bytes (pipe header first), fed to one fresh device whose VRAM is 1 MiB
 * of plain memory; after each one the screen's rows are read, as a
 * screenshot would. Each message is copied to a buffer of its exact size,
 * so ASan sees any read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/videovsp/synthvid_proto.h"

int log_verbose;

#define FUZZ_VRAM	(1u << 20)

static uint8_t *fuzz_vram;

static void *fuzz_map(void *opaque, uint64_t gpa, uint64_t len)
{
	(void)opaque;
	/* One GPA is "inside the window"; every other is refused. */
	return gpa == 0xf8000000ull && len == FUZZ_VRAM ? fuzz_vram : NULL;
}

static void fuzz_unmap(void *opaque, void *p)
{
	(void)opaque;
	(void)p;
}

static const struct synthvid_ops fuzz_ops = { fuzz_map, fuzz_unmap };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synthvid_config cfg = { synthvid_default_modes, synthvid_ndefault_modes, 2,
				       FUZZ_VRAM };
	struct synthvid *sv = malloc(sizeof(*sv));
	struct synthvid_replies *out = malloc(sizeof(*out));
	volatile uint8_t sink = 0;

	if (!fuzz_vram)
		fuzz_vram = calloc(1, FUZZ_VRAM);
	if (!sv || !out || !fuzz_vram)
		goto out;
	synthvid_init(sv, &cfg, &fuzz_ops, NULL);
	while (size >= 2) {
		uint32_t len = data[0] | (uint32_t)data[1] << 8;
		uint8_t *m;

		data += 2;
		size -= 2;
		if (len > size)
			len = (uint32_t)size;
		m = malloc(len ? len : 1);
		if (!m)
			break;
		memcpy(m, data, len);
		(void)synthvid_handle(sv, m, len, out);
		free(m);
		data += len;
		size -= len;
		for (unsigned int i = 0; i < out->n; i++)
			if (out->len[i] > SYNTHVID_REPLY_SIZE)
				abort();
		/* Every row of the mode, first and last byte: inside the VRAM. */
		for (uint32_t y = 0; y < sv->mode.height; y++) {
			const uint8_t *row = synthvid_row(sv, y);

			if (!row)
				break;
			sink ^= row[0] ^ row[(size_t)sv->mode.width * 4 - 1];
		}
		(void)synthvid_take_damage(sv);
	}
	synthvid_reset(sv);
	pthread_mutex_destroy(&sv->rl.lock);
out:
	free(sv);
	free(out);
	(void)sink;
	return 0;
}
