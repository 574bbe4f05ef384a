// SPDX-License-Identifier: GPL-2.0 OR MIT
/* dm-log-writes log reader: see logwrites.h. */
#include <stdlib.h>
#include <string.h>

#include "tests/crash/logwrites.h"

#define LW_ENTRY_BYTES 32u	/* four u64 at the start of an entry's sector */

static uint64_t le64_at(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int lw_open(struct lw_log *l, lw_read_fn read, void *ctx, uint64_t log_size, const char **err)
{
	unsigned char super[32];
	uint32_t ss;

	memset(l, 0, sizeof(*l));
	l->read = read;
	l->ctx = ctx;
	l->log_size = log_size;
	if (log_size < sizeof(super) || read(ctx, super, sizeof(super), 0)) {
		*err = "log shorter than its super block";
		return -1;
	}
	if (le64_at(super) != LW_MAGIC) {
		*err = "not a dm-log-writes log (bad magic)";
		return -1;
	}
	if (le64_at(super + 8) != LW_VERSION) {
		*err = "unsupported log version";
		return -1;
	}
	/* A u32; the 4 bytes after it are the kernel's struct padding. */
	ss = (uint32_t)(le64_at(super + 24) & 0xffffffffu);
	if (ss < 512 || ss > 4096 || (ss & (ss - 1))) {
		*err = "bad sector size in the super (not 512..4096, a power of two)";
		return -1;
	}
	l->sectorsize = ss;
	l->nr_entries = le64_at(super + 16);
	/* Each entry takes at least one sector after the super's. */
	if (log_size < ss || l->nr_entries > log_size / ss - 1) {
		*err = "the super counts more entries than the log can hold (truncated log?)";
		return -1;
	}
	l->sector = malloc(ss);
	if (!l->sector) {
		*err = "out of memory";
		return -1;
	}
	l->pos = ss;
	return 0;
}

void lw_close(struct lw_log *l)
{
	free(l->sector);
	l->sector = NULL;
}

int lw_next(struct lw_log *l, struct lw_entry *e, uint64_t dev_size, const char **err)
{
	const uint32_t ss = l->sectorsize;
	uint64_t data_len, span;

	if (l->next == l->nr_entries)
		return 0;
	if (l->pos > l->log_size - ss || l->read(l->ctx, l->sector, ss, l->pos)) {
		*err = "log ends inside an entry header (truncated log)";
		return -1;
	}
	memset(e, 0, offsetof(struct lw_entry, mark));
	e->mark[0] = 0;
	e->index = l->next;
	e->sector = le64_at(l->sector);
	e->nr_sectors = le64_at(l->sector + 8);
	data_len = le64_at(l->sector + 24);
	if (le64_at(l->sector + 16) & ~(uint64_t)LW_KNOWN_FLAGS) {
		*err = "entry has unknown flags (corrupt log)";
		return -1;
	}
	e->flags = (uint32_t)le64_at(l->sector + 16);
	e->data_off = l->pos + ss;

	if (e->flags & LW_MARK) {
		/* The text is in the entry's own sector; a mark writes nothing. */
		if (e->nr_sectors || data_len >= ss - LW_ENTRY_BYTES ||
		    (e->flags & ~LW_MARK)) {
			*err = "malformed mark entry (corrupt log)";
			return -1;
		}
		memcpy(e->mark, l->sector + LW_ENTRY_BYTES, data_len);
		e->mark[data_len] = 0;
		if (strlen(e->mark) != data_len) {
			*err = "mark text has a NUL byte (corrupt log)";
			return -1;
		}
		span = 0;
	} else {
		/* Inline data is for marks only; writes carry data sectors. */
		if (data_len) {
			*err = "data_len set on a write entry (corrupt log)";
			return -1;
		}
		if (e->nr_sectors > dev_size / ss || e->sector > dev_size / ss - e->nr_sectors) {
			*err = "entry reaches beyond the end of the device (corrupt log)";
			return -1;
		}
		if ((e->flags & LW_DISCARD) && (e->flags & (LW_FLUSH | LW_FUA))) {
			*err = "discard entry with FLUSH or FUA (corrupt log)";
			return -1;
		}
		if (!e->nr_sectors && !(e->flags & LW_FLUSH)) {
			*err = "empty entry that is not a flush (corrupt log)";
			return -1;
		}
		span = (e->flags & LW_DISCARD) ? 0 : e->nr_sectors;
		e->data_bytes = span * ss;
	}
	/* Header sector and data: both inside the log (no overflow: span <= dev_size / ss). */
	if (span > (l->log_size - l->pos) / ss - 1) {
		*err = "log ends inside an entry's data (truncated log)";
		return -1;
	}
	l->pos += (span + 1) * ss;
	l->next++;
	return 1;
}

const char *lw_flags_str(uint32_t flags, char *buf)
{
	static const char *const names[] = { "FLUSH", "FUA", "DISCARD", "MARK", "METADATA" };
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < 5; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (buf[0])
			strcat(buf, "|");
		strcat(buf, names[i]);
	}
	if (!buf[0])
		strcpy(buf, "WRITE");
	return buf;
}
