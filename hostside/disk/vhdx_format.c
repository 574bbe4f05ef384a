// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VHDX format's metadata, parsed and built (see vhdx_format.h). Field
 * offsets are [MS-VHDX] section 2's; every value from a file is checked
 * before anything uses it.
 */
#include "hostside/disk/vhdx_format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hostside/disk/vhd_format.h"	/* UTF-16 conversions */

/* A GUID's on-disk bytes from its usual written form. */
#define G(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) {{ \
	(a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, \
	(b) & 0xff, ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff, \
	d0, d1, d2, d3, d4, d5, d6, d7 }}

const vhdx_guid vhdx_guid_bat =
	G(0x2dc27766, 0xf623, 0x4200, 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08);
const vhdx_guid vhdx_guid_metadata =
	G(0x8b7ca206, 0x4790, 0x4b9a, 0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e);
const vhdx_guid vhdx_guid_file_params =
	G(0xcaa16737, 0xfa36, 0x4d43, 0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b);
const vhdx_guid vhdx_guid_disk_size =
	G(0x2fa54224, 0xcd1b, 0x4876, 0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8);
const vhdx_guid vhdx_guid_page83 =
	G(0xbeca12ab, 0xb2e6, 0x4523, 0x93, 0xef, 0xc3, 0x09, 0xe0, 0x00, 0xc7, 0x46);
const vhdx_guid vhdx_guid_logical_sector =
	G(0x8141bf1d, 0xa96f, 0x4709, 0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f);
const vhdx_guid vhdx_guid_physical_sector =
	G(0xcda348c7, 0x445d, 0x4471, 0x9c, 0xc9, 0xe9, 0x88, 0x52, 0x51, 0xc5, 0x56);
const vhdx_guid vhdx_guid_parent_locator =
	G(0xa8d35f2d, 0xb30b, 0x454d, 0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c);
const vhdx_guid vhdx_guid_locator_type =
	G(0xb04aefb7, 0xd19e, 0x4a81, 0xb7, 0x89, 0x25, 0xb8, 0xe9, 0x44, 0x59, 0x13);

/* ---- primitives ---------------------------------------------------------- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;	/* Castagnoli, reflected */
		crc_table[i] = c;
	}
}

uint32_t vhdx_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_table[1])
		crc_init();	/* idempotent: racing threads write the same values */
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t vhdx_checksum(const void *buf, size_t len, size_t at)
{
	static const uint8_t zero[4];
	uint32_t c = vhdx_crc32c(0, buf, at);

	c = vhdx_crc32c(c, zero, 4);
	return vhdx_crc32c(c, (const uint8_t *)buf + at + 4, len - at - 4);
}

uint16_t vhdx_le16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t vhdx_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t vhdx_le64(const void *p)
{
	return vhdx_le32(p) | (uint64_t)vhdx_le32((const uint8_t *)p + 4) << 32;
}

void vhdx_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

void vhdx_put_le32(void *p, uint32_t v)
{
	vhdx_put_le16(p, (uint16_t)v);
	vhdx_put_le16((uint8_t *)p + 2, (uint16_t)(v >> 16));
}

void vhdx_put_le64(void *p, uint64_t v)
{
	vhdx_put_le32(p, (uint32_t)v);
	vhdx_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

bool vhdx_guid_is_zero(const vhdx_guid *g)
{
	for (int i = 0; i < 16; i++)
		if (g->b[i])
			return false;
	return true;
}

void vhdx_guid_str(const vhdx_guid *g, char out[39])
{
	const uint8_t *u = g->b;

	snprintf(out, 39, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
		 vhdx_le32(u), vhdx_le16(u + 4), vhdx_le16(u + 6), u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int vhdx_guid_parse(const char *s, vhdx_guid *g)
{
	/* Where the hex digits of each output byte are, in the written form. */
	static const uint8_t at[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };
	bool brace = *s == '{';
	size_t n = strlen(s);

	if (brace) {
		s++;
		n--;
		if (n != 37 || s[36] != '}')
			return -EINVAL;
	} else if (n != 36) {
		return -EINVAL;
	}
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(s[at[i]]), lo = hexval(s[at[i] + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		g->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void vhdx_guid_random(vhdx_guid *g)
{
	if (getrandom(g->b, 16, 0) != 16) {
		/* No entropy source: still unique enough per host, process and time. */
		struct timespec ts;
		uint64_t t;

		clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		memcpy(g->b, &t, 8);
		t ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)g;
		memcpy(g->b + 8, &t, 8);
	}
	g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40);	/* version 4 (data3's high byte) */
	g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80);
}

uint64_t vhdx_bitmap_run(const uint8_t *bm, uint64_t i, uint64_t end)
{
	bool v = vhdx_bit(bm, i);
	uint64_t j = i + 1;

	while (j < end && vhdx_bit(bm, j) == v)
		j++;
	return j - i;
}

void vhdx_host_path(const char *win, char *out, size_t outlen)
{
	size_t n = 0;

	if (!strncmp(win, "\\\\?\\", 4))
		win += 4;
	if (((win[0] | 0x20) >= 'a' && (win[0] | 0x20) <= 'z') && win[1] == ':')
		win += 2;	/* a drive: the rest is the path from the root */
	for (; *win && n + 1 < outlen; win++)
		out[n++] = *win == '\\' ? '/' : *win;
	if (outlen)
		out[n] = '\0';
}

void vhdx_info_free(struct vhdx_info *vi)
{
	free(vi->kv);
	vi->kv = NULL;
	vi->nkv = 0;
}

/* ---- file identifier and headers ----------------------------------------- */

int vhdx_file_id_parse(const void *buf, size_t len, char *creator, size_t clen)
{
	if (len < 8 + 512 || memcmp(buf, VHDX_FILE_ID_SIG, 8))
		return -EINVAL;
	if (creator && vhd_utf16_to_utf8((const uint8_t *)buf + 8, 512, false, creator, clen))
		snprintf(creator, clen, "?");
	return 0;
}

void vhdx_file_id_build(void *buf, const char *creator)
{
	memset(buf, 0, 64 * VHDX_KB);
	memcpy(buf, VHDX_FILE_ID_SIG, 8);
	vhd_utf8_to_utf16(creator, false, (uint8_t *)buf + 8, 510);
}

int vhdx_header_parse(const void *buf, uint64_t file_size, struct vhdx_header *h)
{
	const uint8_t *b = buf;

	if (memcmp(b, "head", 4) || vhdx_le32(b + 4) != vhdx_checksum(b, VHDX_HEADER_SIZE, 4))
		return -EINVAL;
	h->seq = vhdx_le64(b + 8);
	memcpy(h->file_write.b, b + 16, 16);
	memcpy(h->data_write.b, b + 32, 16);
	memcpy(h->log_guid.b, b + 48, 16);
	h->log_version = vhdx_le16(b + 64);
	h->version = vhdx_le16(b + 66);
	h->log_length = vhdx_le32(b + 68);
	h->log_offset = vhdx_le64(b + 72);
	if (h->version != 1 || h->log_version != 0)
		return -EINVAL;
	if (h->log_length % VHDX_MB || h->log_offset % VHDX_MB)
		return -EINVAL;
	if (h->log_length && (h->log_offset < VHDX_MB || h->log_offset > file_size ||
			      h->log_length > file_size - h->log_offset))
		return -EINVAL;
	if (!h->log_length && !vhdx_guid_is_zero(&h->log_guid))
		return -EINVAL;	/* a log that has no room */
	return 0;
}

void vhdx_header_build(void *buf, const struct vhdx_header *h)
{
	uint8_t *b = buf;

	memset(b, 0, VHDX_HEADER_SIZE);
	memcpy(b, "head", 4);
	vhdx_put_le64(b + 8, h->seq);
	memcpy(b + 16, h->file_write.b, 16);
	memcpy(b + 32, h->data_write.b, 16);
	memcpy(b + 48, h->log_guid.b, 16);
	vhdx_put_le16(b + 64, h->log_version);
	vhdx_put_le16(b + 66, h->version);
	vhdx_put_le32(b + 68, h->log_length);
	vhdx_put_le64(b + 72, h->log_offset);
	vhdx_put_le32(b + 4, vhdx_checksum(b, VHDX_HEADER_SIZE, 4));
}

int vhdx_header_pick(const void *h0, const void *h1, uint64_t file_size,
		     struct vhdx_header *out)
{
	struct vhdx_header a, b;
	bool ok0 = h0 && !vhdx_header_parse(h0, file_size, &a);
	bool ok1 = h1 && !vhdx_header_parse(h1, file_size, &b);

	if (ok0 && ok1) {
		if (a.seq == b.seq && memcmp(&a, &b, sizeof(a)))
			return -EINVAL;	/* two different "current" headers */
		ok0 = a.seq >= b.seq;
		ok1 = !ok0;
	}
	if (ok0) {
		*out = a;
		return 0;
	}
	if (ok1) {
		*out = b;
		return 1;
	}
	return -EINVAL;
}

/* ---- region table -------------------------------------------------------- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int vhdx_region_parse(const void *buf, uint64_t file_size, struct vhdx_info *vi)
{
	const uint8_t *b = buf;
	uint32_t n;
	bool bat = false, meta = false;

	if (memcmp(b, "regi", 4) || vhdx_le32(b + 4) != vhdx_checksum(b, VHDX_REGION_SIZE, 4))
		return -EINVAL;
	n = vhdx_le32(b + 8);
	if (n > VHDX_REGION_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = b + 16 + i * 32;
		uint64_t off = vhdx_le64(e + 16);
		uint32_t len = vhdx_le32(e + 24);
		bool req = vhdx_le32(e + 28) & 1;

		if (!memcmp(e, vhdx_guid_bat.b, 16) || !memcmp(e, vhdx_guid_metadata.b, 16)) {
			bool is_bat = !memcmp(e, vhdx_guid_bat.b, 16);

			if ((is_bat && bat) || (!is_bat && meta))
				return -EINVAL;	/* twice */
			if (off % VHDX_MB || len % VHDX_MB || !len || off < VHDX_MB ||
			    off > file_size || len > file_size - off)
				return -EINVAL;
			if (is_bat) {
				vi->bat_off = off;
				vi->bat_len = len;
				bat = true;
			} else {
				vi->meta_off = off;
				vi->meta_len = len;
				meta = true;
			}
		} else if (req) {
			return -ENOTSUP;	/* a region we would have to understand */
		}
	}
	if (!bat || !meta || overlaps(vi->bat_off, vi->bat_len, vi->meta_off, vi->meta_len))
		return -EINVAL;
	if (vi->hdr.log_length &&
	    (overlaps(vi->bat_off, vi->bat_len, vi->hdr.log_offset, vi->hdr.log_length) ||
	     overlaps(vi->meta_off, vi->meta_len, vi->hdr.log_offset, vi->hdr.log_length)))
		return -EINVAL;
	return 0;
}

void vhdx_region_build(void *buf, const struct vhdx_info *vi)
{
	uint8_t *b = buf;

	memset(b, 0, VHDX_REGION_SIZE);
	memcpy(b, "regi", 4);
	vhdx_put_le32(b + 8, 2);
	memcpy(b + 16, vhdx_guid_bat.b, 16);
	vhdx_put_le64(b + 32, vi->bat_off);
	vhdx_put_le32(b + 40, vi->bat_len);
	vhdx_put_le32(b + 44, 1);
	memcpy(b + 48, vhdx_guid_metadata.b, 16);
	vhdx_put_le64(b + 64, vi->meta_off);
	vhdx_put_le32(b + 72, vi->meta_len);
	vhdx_put_le32(b + 76, 1);
	vhdx_put_le32(b + 4, vhdx_checksum(b, VHDX_REGION_SIZE, 4));
}

/* ---- metadata ------------------------------------------------------------ */

int vhdx_geometry(struct vhdx_info *vi)
{
	uint64_t payload, bitmaps, entries;

	if (vi->block_size < VHDX_MIN_BLOCK || vi->block_size > VHDX_MAX_BLOCK ||
	    (vi->block_size & (vi->block_size - 1)))
		return -EINVAL;
	if ((vi->lsec != 512 && vi->lsec != 4096) || (vi->psec != 512 && vi->psec != 4096))
		return -EINVAL;
	if (!vi->size || vi->size % vi->lsec || vi->size > VHDX_MAX_SIZE)
		return -EINVAL;
	vi->chunk_ratio = ((1ull << 23) * vi->lsec) / vi->block_size;
	payload = (vi->size + vi->block_size - 1) / vi->block_size;
	bitmaps = (payload + vi->chunk_ratio - 1) / vi->chunk_ratio;
	if (vi->flags & VHDX_PARAM_HAS_PARENT)
		entries = bitmaps * (vi->chunk_ratio + 1);
	else
		entries = payload + (payload - 1) / vi->chunk_ratio;
	if (entries > VHDX_MAX_BAT_ENTRIES)
		return -EINVAL;
	vi->payload_blocks = (uint32_t)payload;
	vi->bitmap_blocks = (uint32_t)bitmaps;
	vi->bat_entries = (uint32_t)entries;
	return 0;
}

static int parse_locator(const uint8_t *p, uint32_t len, struct vhdx_info *vi)
{
	uint16_t n;

	if (len < 20 || memcmp(p, vhdx_guid_locator_type.b, 16))
		return -EINVAL;
	n = vhdx_le16(p + 18);
	if (!n || n > VHDX_MAX_KV || 20 + (uint64_t)n * 12 > len)
		return -EINVAL;
	vi->kv = calloc(n, sizeof(*vi->kv));
	if (!vi->kv)
		return -ENOMEM;
	vi->nkv = n;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *e = p + 20 + i * 12;
		uint32_t ko = vhdx_le32(e), vo = vhdx_le32(e + 4);
		uint16_t kl = vhdx_le16(e + 8), vl = vhdx_le16(e + 10);

		if (!kl || !vl || kl % 2 || vl % 2 || ko > len || kl > len - ko || vo > len ||
		    vl > len - vo)
			return -EINVAL;
		if (vhd_utf16_to_utf8(p + ko, kl, false, vi->kv[i].key, sizeof(vi->kv[i].key)) ||
		    vhd_utf16_to_utf8(p + vo, vl, false, vi->kv[i].value, sizeof(vi->kv[i].value)))
			return -EINVAL;
	}
	return 0;
}

int vhdx_meta_parse(const void *buf, size_t len, struct vhdx_info *vi)
{
	const uint8_t *b = buf;
	enum { FP = 1, SZ = 2, P83 = 4, LS = 8, PS = 16, PL = 32 };
	unsigned int seen = 0;
	uint16_t n;
	int ret;

	vi->kv = NULL;
	vi->nkv = 0;
	if (len < VHDX_META_TABLE_SIZE || memcmp(b, "metadata", 8))
		return -EINVAL;
	n = vhdx_le16(b + 10);
	if (n > VHDX_META_MAX)
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *e = b + 32 + i * 32, *item;
		uint32_t off = vhdx_le32(e + 16), ilen = vhdx_le32(e + 20), flags = vhdx_le32(e + 24);
		unsigned int which = 0;

		if (ilen && (off < VHDX_META_TABLE_SIZE || off > len || ilen > len - off ||
			     ilen > VHDX_META_ITEM_MAX))
			goto bad;
		item = b + off;
		if (!memcmp(e, vhdx_guid_file_params.b, 16) && ilen >= 8) {
			which = FP;
			vi->block_size = vhdx_le32(item);
			vi->flags = vhdx_le32(item + 4) & 3;
		} else if (!memcmp(e, vhdx_guid_disk_size.b, 16) && ilen >= 8) {
			which = SZ;
			vi->size = vhdx_le64(item);
		} else if (!memcmp(e, vhdx_guid_page83.b, 16) && ilen >= 16) {
			which = P83;
			memcpy(vi->page83.b, item, 16);
		} else if (!memcmp(e, vhdx_guid_logical_sector.b, 16) && ilen >= 4) {
			which = LS;
			vi->lsec = vhdx_le32(item);
		} else if (!memcmp(e, vhdx_guid_physical_sector.b, 16) && ilen >= 4) {
			which = PS;
			vi->psec = vhdx_le32(item);
		} else if (!memcmp(e, vhdx_guid_parent_locator.b, 16)) {
			which = PL;
			if (seen & PL)
				goto bad;
			ret = parse_locator(item, ilen, vi);
			if (ret)
				goto fail;
		} else if (flags & VHDX_META_REQUIRED) {
			ret = -ENOTSUP;
			goto fail;
		}
		if (which & seen)
			goto bad;	/* an item twice: which one would be meant? */
		seen |= which;
	}
	if ((seen & (FP | SZ | P83 | LS | PS)) != (FP | SZ | P83 | LS | PS))
		goto bad;
	if (!!(vi->flags & VHDX_PARAM_HAS_PARENT) != !!(seen & PL))
		goto bad;
	if (vhdx_geometry(vi) || (uint64_t)vi->bat_entries * 8 > vi->bat_len)
		goto bad;
	return 0;
bad:
	ret = -EINVAL;
fail:
	vhdx_info_free(vi);
	return ret;
}

uint32_t vhdx_meta_extent(const struct vhdx_info *vi, const void *table)
{
	const uint8_t *b = table;
	uint64_t end = VHDX_META_TABLE_SIZE;
	uint16_t n;

	if (!b || vi->meta_len < VHDX_META_TABLE_SIZE)
		return VHDX_META_TABLE_SIZE;
	n = vhdx_le16(b + 10);
	for (uint16_t i = 0; i < n && i < VHDX_META_MAX; i++) {
		const uint8_t *e = b + 32 + i * 32;
		uint64_t x = (uint64_t)vhdx_le32(e + 16) + vhdx_le32(e + 20);

		if (x > end)
			end = x;
	}
	/* Items past the region are refused by the parse: read what exists. */
	return end > vi->meta_len ? vi->meta_len : (uint32_t)end;
}

int vhdx_meta_find(const void *table, uint32_t meta_len, const vhdx_guid *g, uint32_t *off,
		   uint32_t *len)
{
	const uint8_t *b = table;
	uint16_t n;

	if (memcmp(b, "metadata", 8))
		return -EINVAL;
	n = vhdx_le16(b + 10);
	if (n > VHDX_META_MAX)
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *e = b + 32 + i * 32;
		uint32_t o = vhdx_le32(e + 16), l = vhdx_le32(e + 20);

		if (memcmp(e, g->b, 16))
			continue;
		if (o < VHDX_META_TABLE_SIZE || o > meta_len || l > meta_len - o)
			return -EINVAL;
		*off = o;
		*len = l;
		return 0;
	}
	return -ENOENT;
}

const char *vhdx_kv_get(const struct vhdx_info *vi, const char *key)
{
	for (unsigned int i = 0; i < vi->nkv; i++)
		if (!strcmp(vi->kv[i].key, key))
			return vi->kv[i].value;
	return NULL;
}

static void meta_entry(uint8_t *e, const vhdx_guid *g, uint32_t off, uint32_t len, uint32_t flags)
{
	memcpy(e, g->b, 16);
	vhdx_put_le32(e + 16, off);
	vhdx_put_le32(e + 20, len);
	vhdx_put_le32(e + 24, flags);
}

int vhdx_meta_build(void *buf, size_t len, const struct vhdx_info *vi)
{
	uint8_t *b = buf, *it = b + VHDX_META_TABLE_SIZE;
	const uint32_t vd = VHDX_META_VIRTUAL_DISK | VHDX_META_REQUIRED, T = VHDX_META_TABLE_SIZE;
	uint16_t n = 5;

	if (len < VHDX_MB)
		return -EINVAL;
	memset(b, 0, len);
	memcpy(b, "metadata", 8);
	meta_entry(b + 32, &vhdx_guid_file_params, T, 8, VHDX_META_REQUIRED);
	vhdx_put_le32(it, vi->block_size);
	vhdx_put_le32(it + 4, vi->flags);
	meta_entry(b + 64, &vhdx_guid_disk_size, T + 8, 8, vd);
	vhdx_put_le64(it + 8, vi->size);
	meta_entry(b + 96, &vhdx_guid_page83, T + 16, 16, vd);
	memcpy(it + 16, vi->page83.b, 16);
	meta_entry(b + 128, &vhdx_guid_logical_sector, T + 32, 4, vd);
	vhdx_put_le32(it + 32, vi->lsec);
	meta_entry(b + 160, &vhdx_guid_physical_sector, T + 36, 4, vd);
	vhdx_put_le32(it + 36, vi->psec);
	if (vi->flags & VHDX_PARAM_HAS_PARENT) {
		uint8_t *pl = it + 40;
		uint32_t at = 20 + vi->nkv * 12;

		if (!vi->nkv || vi->nkv > VHDX_MAX_KV)
			return -EINVAL;
		memcpy(pl, vhdx_guid_locator_type.b, 16);
		vhdx_put_le16(pl + 18, (uint16_t)vi->nkv);
		for (unsigned int i = 0; i < vi->nkv; i++) {
			uint8_t *e = pl + 20 + i * 12;
			int kl, vl;

			kl = vhd_utf8_to_utf16(vi->kv[i].key, false, pl + at, len - T - 40 - at);
			if (kl <= 0)
				return -EINVAL;
			vhdx_put_le32(e, at);
			vhdx_put_le16(e + 8, (uint16_t)kl);
			at += (uint32_t)kl;
			vl = vhd_utf8_to_utf16(vi->kv[i].value, false, pl + at, len - T - 40 - at);
			if (vl <= 0 || vl > 0xffff)
				return -EINVAL;
			vhdx_put_le32(e + 4, at);
			vhdx_put_le16(e + 10, (uint16_t)vl);
			at += (uint32_t)vl;
		}
		meta_entry(b + 192, &vhdx_guid_parent_locator, T + 40, at, VHDX_META_REQUIRED);
		n++;
	}
	vhdx_put_le16(b + 10, n);
	return 0;
}

/* ---- BAT ------------------------------------------------------------------ */

struct span {
	uint64_t off, len;
	uint32_t idx;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int vhdx_bat_check(const uint64_t *bat, const struct vhdx_info *vi, uint64_t file_size,
		   uint32_t *bad, uint64_t *end, uint32_t *used)
{
	bool parent = vi->flags & VHDX_PARAM_HAS_PARENT;
	struct span *s = malloc(((size_t)vi->bat_entries + 1) * sizeof(*s));
	uint32_t n = 0;
	int ret = 0;

	*bad = 0;
	*end = 0;
	*used = 0;
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < vi->bat_entries; i++) {
		bool sb = (i + 1) % (vi->chunk_ratio + 1) == 0;
		unsigned int st = VHDX_BAT_STATE(bat[i]);
		uint64_t off = VHDX_BAT_OFF(bat[i]), len = sb ? VHDX_SB_BLOCK : vi->block_size;
		bool present;

		if (sb) {
			if (st != VHDX_SB_NOT_PRESENT && !(parent && st == VHDX_SB_PRESENT))
				goto bad;
			present = st == VHDX_SB_PRESENT;
		} else {
			if (st == 4 || (st == VHDX_PB_PARTIALLY_PRESENT && !parent))
				goto bad;
			present = st == VHDX_PB_FULLY_PRESENT || st == VHDX_PB_PARTIALLY_PRESENT;
			*used += present;
		}
		if (!present)
			continue;
		if (off < VHDX_MB || off > file_size || len > file_size - off ||
		    overlaps(off, len, vi->bat_off, vi->bat_len) ||
		    overlaps(off, len, vi->meta_off, vi->meta_len) ||
		    (vi->hdr.log_length && overlaps(off, len, vi->hdr.log_offset, vi->hdr.log_length)))
			goto bad;
		s[n++] = (struct span){ off, len, i };
		if (off + len > *end)
			*end = off + len;
		continue;
bad:
		if (!ret) {
			*bad = i;
			ret = -EINVAL;
		}
	}
	qsort(s, n, sizeof(*s), span_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (s[i].off < s[i - 1].off + s[i - 1].len && !ret) {
			*bad = s[i].idx;
			ret = -EINVAL;
		}
	}
	free(s);
	return ret;
}

/* ---- log ------------------------------------------------------------------ */

static uint32_t desc_sectors(uint32_t n)
{
	/* 64-bit: a count from the file times 32 must not wrap. */
	return (uint32_t)((VHDX_LOG_HDR + (uint64_t)n * VHDX_LOG_DESC + VHDX_LOG_SECTOR - 1) /
			  VHDX_LOG_SECTOR);
}

uint32_t vhdx_log_entry_size(uint32_t ndata, uint32_t nzero)
{
	return (desc_sectors(ndata + nzero) + ndata) * VHDX_LOG_SECTOR;
}

int vhdx_log_parse(const void *buf, size_t len, const vhdx_guid *log_guid, uint32_t log_len,
		   struct vhdx_log_entry *e, struct vhdx_log_desc *d, uint32_t max)
{
	const uint8_t *b = buf;
	uint32_t ds, ndata = 0;

	if (len < VHDX_LOG_HDR || memcmp(b, "loge", 4))
		return -EINVAL;
	e->length = vhdx_le32(b + 8);
	e->tail = vhdx_le32(b + 12);
	e->seq = vhdx_le64(b + 16);
	e->ndesc = vhdx_le32(b + 24);
	memcpy(e->log_guid.b, b + 32, 16);
	e->flushed_off = vhdx_le64(b + 48);
	e->last_off = vhdx_le64(b + 56);
	if (!e->length || e->length % VHDX_LOG_SECTOR || e->length > log_len ||
	    e->tail % VHDX_LOG_SECTOR || e->tail >= log_len || !e->seq ||
	    memcmp(e->log_guid.b, log_guid->b, 16))
		return -EINVAL;
	if (e->ndesc > (e->length / VHDX_LOG_SECTOR) * (VHDX_LOG_SECTOR / VHDX_LOG_DESC))
		return -EINVAL;
	ds = desc_sectors(e->ndesc);
	if (ds > e->length / VHDX_LOG_SECTOR || e->ndesc > max)
		return -EINVAL;
	if (len < e->length)
		return -EAGAIN;
	if (vhdx_le32(b + 4) != vhdx_checksum(b, e->length, 4))
		return -EINVAL;
	for (uint32_t i = 0; i < e->ndesc; i++) {
		const uint8_t *p = b + VHDX_LOG_HDR + i * VHDX_LOG_DESC;
		struct vhdx_log_desc *x = &d[i];

		if (vhdx_le64(p + 24) != e->seq)
			return -EINVAL;
		x->off = vhdx_le64(p + 16);
		if (x->off % VHDX_LOG_SECTOR)
			return -EINVAL;
		if (!memcmp(p, "zero", 4)) {
			x->zero = true;
			x->len = vhdx_le64(p + 8);
			x->data = NULL;
			if (!x->len || x->len % VHDX_LOG_SECTOR)
				return -EINVAL;
		} else if (!memcmp(p, "desc", 4)) {
			const uint8_t *s;

			if ((ds + ndata + 1) * (uint64_t)VHDX_LOG_SECTOR > e->length)
				return -EINVAL;
			s = b + (size_t)(ds + ndata) * VHDX_LOG_SECTOR;
			if (memcmp(s, "data", 4) || vhdx_le32(s + 4) != (uint32_t)(e->seq >> 32) ||
			    vhdx_le32(s + 4092) != (uint32_t)e->seq)
				return -EINVAL;
			x->zero = false;
			x->len = VHDX_LOG_SECTOR;
			x->data = s;
			memcpy(x->trail, p + 4, 4);
			memcpy(x->lead, p + 8, 8);
			ndata++;
		} else {
			return -EINVAL;
		}
	}
	if ((ds + ndata) * (uint64_t)VHDX_LOG_SECTOR != e->length)
		return -EINVAL;
	return 0;
}

void vhdx_log_desc_data(const struct vhdx_log_desc *d, uint8_t out[4096])
{
	memcpy(out, d->lead, 8);
	memcpy(out + 8, d->data + 8, 4084);
	memcpy(out + 4092, d->trail, 4);
}

void vhdx_log_build(void *buf, const struct vhdx_log_entry *e, const struct vhdx_log_desc *d)
{
	uint8_t *b = buf;
	uint32_t ndata = 0, ds = desc_sectors(e->ndesc);

	for (uint32_t i = 0; i < e->ndesc; i++)
		ndata += !d[i].zero;
	memset(b, 0, vhdx_log_entry_size(ndata, e->ndesc - ndata));
	memcpy(b, "loge", 4);
	vhdx_put_le32(b + 8, (ds + ndata) * VHDX_LOG_SECTOR);
	vhdx_put_le32(b + 12, e->tail);
	vhdx_put_le64(b + 16, e->seq);
	vhdx_put_le32(b + 24, e->ndesc);
	memcpy(b + 32, e->log_guid.b, 16);
	vhdx_put_le64(b + 48, e->flushed_off);
	vhdx_put_le64(b + 56, e->last_off);
	ndata = 0;
	for (uint32_t i = 0; i < e->ndesc; i++) {
		uint8_t *p = b + VHDX_LOG_HDR + i * VHDX_LOG_DESC;

		vhdx_put_le64(p + 16, d[i].off);
		vhdx_put_le64(p + 24, e->seq);
		if (d[i].zero) {
			memcpy(p, "zero", 4);
			vhdx_put_le64(p + 8, d[i].len);
		} else {
			uint8_t *s = b + (size_t)(ds + ndata++) * VHDX_LOG_SECTOR;

			memcpy(p, "desc", 4);
			memcpy(p + 4, d[i].data + 4092, 4);
			memcpy(p + 8, d[i].data, 8);
			memcpy(s, "data", 4);
			vhdx_put_le32(s + 4, (uint32_t)(e->seq >> 32));
			memcpy(s + 8, d[i].data + 8, 4084);
			vhdx_put_le32(s + 4092, (uint32_t)e->seq);
		}
	}
	vhdx_put_le32(b + 4, vhdx_checksum(b, (ds + ndata) * VHDX_LOG_SECTOR, 4));
}
