// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VHD metadata parse/build (see vhd_format.h). The checks follow the 2006
 * specification's field descriptions; where the spec is loose (the BAT's
 * place, blocks overlapping) we are strict, because a block that overlaps
 * the BAT or another block would let guest writes corrupt metadata.
 */
#include "hostside/disk/vhd_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint16_t vhd_be16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t vhd_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t vhd_be64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)vhd_be32(b) << 32 | vhd_be32(b + 4);
}

void vhd_put_be16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void vhd_put_be32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

void vhd_put_be64(void *p, uint64_t v)
{
	vhd_put_be32(p, (uint32_t)(v >> 32));
	vhd_put_be32((uint8_t *)p + 4, (uint32_t)v);
}

uint32_t vhd_checksum(const void *buf, size_t len, size_t skip)
{
	const uint8_t *b = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		if (i < skip || i >= skip + 4)
			sum += b[i];
	return ~sum;
}

#define F(field) offsetof(struct vhd_footer, field)
#define D(field) offsetof(struct vhd_dyn_header, field)

int vhd_footer_parse(const void *buf, uint64_t file_size, struct vhd_info *vi)
{
	const uint8_t *b = buf;

	memset(vi, 0, sizeof(*vi));
	if (memcmp(b, VHD_FOOTER_COOKIE, 8))
		return -EINVAL;
	if (vhd_checksum(b, VHD_FOOTER_SIZE, F(checksum)) != vhd_be32(b + F(checksum)))
		return -EINVAL;
	if (vhd_be32(b + F(version)) >> 16 != 1)	/* major 1; minor ignored */
		return -EINVAL;
	vi->features = vhd_be32(b + F(features));
	vi->dyn_offset = vhd_be64(b + F(data_offset));
	vi->timestamp = vhd_be32(b + F(timestamp));
	memcpy(vi->creator_app, b + F(creator_app), 4);
	for (int i = 0; i < 4; i++)
		if ((unsigned char)vi->creator_app[i] < 0x20 || (unsigned char)vi->creator_app[i] > 0x7e)
			vi->creator_app[i] = '?';	/* printable for info */
	vi->creator_version = vhd_be32(b + F(creator_version));
	vi->creator_os = vhd_be32(b + F(creator_os));
	vi->original_size = vhd_be64(b + F(original_size));
	vi->size = vhd_be64(b + F(current_size));
	vi->cylinders = vhd_be16(b + F(cylinders));
	vi->heads = b[F(heads)];
	vi->sectors_per_track = b[F(sectors_per_track)];
	vi->type = vhd_be32(b + F(disk_type));
	memcpy(vi->unique_id, b + F(unique_id), 16);
	vi->saved_state = b[F(saved_state)];
	if (!vi->size || vi->size % VHD_SECTOR || vi->size > VHD_MAX_SIZE)
		return -EINVAL;
	switch (vi->type) {
	case VHD_TYPE_FIXED:
		/* Data then the footer: the data must fit before the last sector. */
		if (vi->dyn_offset != VHD_NO_OFFSET || file_size < VHD_FOOTER_SIZE ||
		    vi->size > file_size - VHD_FOOTER_SIZE)
			return -EINVAL;
		return 0;
	case VHD_TYPE_DYNAMIC:
	case VHD_TYPE_DIFFERENCING:
		if (vi->dyn_offset % VHD_SECTOR || vi->dyn_offset > file_size ||
		    file_size - vi->dyn_offset < VHD_DYN_HEADER_SIZE)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

uint64_t vhd_bat_bytes(const struct vhd_info *vi)
{
	uint64_t n = (uint64_t)vi->bat_entries * 4;

	return (n + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
}

uint64_t vhd_block_total(const struct vhd_info *vi)
{
	return (uint64_t)vi->bitmap_size + vi->block_size;
}

static int vhd_locators_parse(const uint8_t *b, uint64_t file_size, struct vhd_info *vi)
{
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		const uint8_t *l = b + D(loc) + (size_t)i * sizeof(struct vhd_parent_locator);
		struct vhd_locator *o = &vi->loc[i];

		o->code = vhd_be32(l);
		o->space = vhd_be32(l + 4);
		o->len = vhd_be32(l + 8);
		o->off = vhd_be64(l + 16);
		if (o->code == VHD_PLAT_NONE)
			continue;
		/* An unusable locator is dropped, not fatal: others may work. */
		if (!o->len || o->len > VHD_MAX_LOCATOR_BYTES || o->off > file_size ||
		    file_size - o->off < o->len)
			o->code = VHD_PLAT_NONE;
	}
	return 0;
}

int vhd_dyn_parse(const void *buf, uint64_t file_size, struct vhd_info *vi)
{
	const uint8_t *b = buf;
	uint64_t blocks, bat_end;

	if (memcmp(b, VHD_DYN_COOKIE, 8))
		return -EINVAL;
	if (vhd_checksum(b, VHD_DYN_HEADER_SIZE, D(checksum)) != vhd_be32(b + D(checksum)))
		return -EINVAL;
	if (vhd_be32(b + D(header_version)) >> 16 != 1)
		return -EINVAL;
	vi->bat_offset = vhd_be64(b + D(table_offset));
	vi->bat_entries = vhd_be32(b + D(max_table_entries));
	vi->block_size = vhd_be32(b + D(block_size));
	memcpy(vi->parent_id, b + D(parent_unique_id), 16);
	vi->parent_timestamp = vhd_be32(b + D(parent_timestamp));
	if (vi->block_size < VHD_MIN_BLOCK_SIZE || vi->block_size > VHD_MAX_BLOCK_SIZE ||
	    (vi->block_size & (vi->block_size - 1)))
		return -EINVAL;
	/* One bit per sector, padded to a whole sector (spec: "Block Format"). */
	vi->bitmap_size = (vi->block_size / VHD_SECTOR / 8 + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
	blocks = (vi->size + vi->block_size - 1) / vi->block_size;
	if (vi->bat_entries < blocks || vi->bat_entries > VHD_MAX_BAT_ENTRIES)
		return -EINVAL;
	/* The BAT lies inside the file, after the header it follows, not over it. */
	bat_end = vi->bat_offset + vhd_bat_bytes(vi);
	if (vi->bat_offset % VHD_SECTOR || vi->bat_offset > file_size || bat_end > file_size)
		return -EINVAL;
	if (vi->bat_offset < vi->dyn_offset + VHD_DYN_HEADER_SIZE && bat_end > vi->dyn_offset)
		return -EINVAL;
	if (vi->type == VHD_TYPE_DIFFERENCING) {
		if (vhd_utf16_to_utf8(b + D(parent_name), VHD_PARENT_NAME_BYTES, true,
				      vi->parent_name, sizeof(vi->parent_name)))
			vi->parent_name[0] = '\0';	/* locators may still work */
		vhd_locators_parse(b, file_size, vi);
	}
	return 0;
}

void vhd_footer_build(void *buf, const struct vhd_info *vi)
{
	uint8_t *b = buf;

	memset(b, 0, VHD_FOOTER_SIZE);
	memcpy(b, VHD_FOOTER_COOKIE, 8);
	vhd_put_be32(b + F(features), vi->features | VHD_FEATURE_RESERVED);
	vhd_put_be32(b + F(version), VHD_VERSION_1_0);
	vhd_put_be64(b + F(data_offset), vi->dyn_offset);
	vhd_put_be32(b + F(timestamp), vi->timestamp);
	memcpy(b + F(creator_app), vi->creator_app, 4);
	vhd_put_be32(b + F(creator_version), vi->creator_version);
	vhd_put_be32(b + F(creator_os), vi->creator_os);
	vhd_put_be64(b + F(original_size), vi->original_size);
	vhd_put_be64(b + F(current_size), vi->size);
	vhd_put_be16(b + F(cylinders), vi->cylinders);
	b[F(heads)] = vi->heads;
	b[F(sectors_per_track)] = vi->sectors_per_track;
	vhd_put_be32(b + F(disk_type), vi->type);
	memcpy(b + F(unique_id), vi->unique_id, 16);
	b[F(saved_state)] = vi->saved_state;
	vhd_put_be32(b + F(checksum), vhd_checksum(b, VHD_FOOTER_SIZE, F(checksum)));
}

void vhd_dyn_build(void *buf, const struct vhd_info *vi)
{
	uint8_t *b = buf;

	memset(b, 0, VHD_DYN_HEADER_SIZE);
	memcpy(b, VHD_DYN_COOKIE, 8);
	vhd_put_be64(b + D(data_offset), VHD_NO_OFFSET);
	vhd_put_be64(b + D(table_offset), vi->bat_offset);
	vhd_put_be32(b + D(header_version), VHD_VERSION_1_0);
	vhd_put_be32(b + D(max_table_entries), vi->bat_entries);
	vhd_put_be32(b + D(block_size), vi->block_size);
	if (vi->type == VHD_TYPE_DIFFERENCING) {
		memcpy(b + D(parent_unique_id), vi->parent_id, 16);
		vhd_put_be32(b + D(parent_timestamp), vi->parent_timestamp);
		if (vhd_utf8_to_utf16(vi->parent_name, true, b + D(parent_name),
				      VHD_PARENT_NAME_BYTES - 2) < 0)
			memset(b + D(parent_name), 0, VHD_PARENT_NAME_BYTES);
		for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
			uint8_t *l = b + D(loc) + (size_t)i * sizeof(struct vhd_parent_locator);

			vhd_put_be32(l, vi->loc[i].code);
			vhd_put_be32(l + 4, vi->loc[i].space);
			vhd_put_be32(l + 8, vi->loc[i].len);
			vhd_put_be64(l + 16, vi->loc[i].off);
		}
	}
	vhd_put_be32(b + D(checksum), vhd_checksum(b, VHD_DYN_HEADER_SIZE, D(checksum)));
}

void vhd_geometry(uint64_t sectors, uint16_t *c, uint8_t *h, uint8_t *s)
{
	uint64_t cth, heads, spt;

	if (sectors > VHD_MAX_CHS_SECTORS)
		sectors = VHD_MAX_CHS_SECTORS;
	if (sectors >= 65535ull * 16 * 63) {
		spt = 255;
		heads = 16;
		cth = sectors / spt;
	} else {
		spt = 17;
		cth = sectors / spt;
		heads = (cth + 1023) / 1024;
		if (heads < 4)
			heads = 4;
		if (cth >= heads * 1024 || heads > 16) {
			spt = 31;
			heads = 16;
			cth = sectors / spt;
		}
		if (cth >= heads * 1024) {
			spt = 63;
			heads = 16;
			cth = sectors / spt;
		}
	}
	*c = (uint16_t)(cth / heads);
	*h = (uint8_t)heads;
	*s = (uint8_t)spt;
}

struct vhd_extent {
	uint64_t start;
	uint32_t idx;
};

static int vhd_extent_cmp(const void *a, const void *b)
{
	const struct vhd_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int vhd_bat_check(const uint32_t *bat, const struct vhd_info *vi, uint64_t data_start,
		  uint64_t data_end, uint32_t *bad, uint64_t *end, uint32_t *used)
{
	uint64_t total = vhd_block_total(vi);
	struct vhd_extent *ext;
	uint32_t n = 0;
	int ret = 0;

	*end = data_start;
	*used = 0;
	*bad = 0;
	ext = malloc(((size_t)vi->bat_entries + 1) * sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	for (uint32_t i = 0; i < vi->bat_entries; i++) {
		uint64_t start;

		if (bat[i] == VHD_BAT_UNUSED)
			continue;
		start = (uint64_t)bat[i] * VHD_SECTOR;
		if (start < data_start || start > data_end || data_end - start < total) {
			if (!ret)
				*bad = i;
			ret = -EINVAL;
			continue;
		}
		ext[n].start = start;
		ext[n++].idx = i;
		if (start + total > *end)
			*end = start + total;
	}
	*used = n;
	qsort(ext, n, sizeof(*ext), vhd_extent_cmp);
	for (uint32_t i = 1; i < n && !ret; i++) {
		if (ext[i].start - ext[i - 1].start < total) {
			*bad = ext[i].idx;
			ret = -EINVAL;
		}
	}
	free(ext);
	return ret;
}

static int utf8_put(uint32_t cp, char *out, size_t outlen, size_t *o)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | cp >> 6);
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | cp >> 12);
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | cp >> 18);
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (outlen - *o <= n)	/* keep room for the NUL */
		return -EINVAL;
	memcpy(out + *o, tmp, n);
	*o += n;
	return 0;
}

int vhd_utf16_to_utf8(const uint8_t *in, size_t n, bool be, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return -EINVAL;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t u = be ? vhd_be16(in + i) : (uint32_t)(in[i] | in[i + 1] << 8);

		if (!u)
			break;
		if (u >= 0xd800 && u < 0xdc00) {
			uint32_t lo;

			if (i + 3 >= n)
				return -EINVAL;
			i += 2;
			lo = be ? vhd_be16(in + i) : (uint32_t)(in[i] | in[i + 1] << 8);
			if (lo < 0xdc00 || lo >= 0xe000)
				return -EINVAL;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		} else if (u >= 0xdc00 && u < 0xe000) {
			return -EINVAL;
		}
		if (utf8_put(u, out, outlen, &o))
			return -EINVAL;
	}
	out[o] = '\0';
	return 0;
}

int vhd_utf8_to_utf16(const char *in, bool be, uint8_t *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	while (*s) {
		uint32_t cp;
		int extra;

		if (*s < 0x80) {
			cp = *s;
			extra = 0;
		} else if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			extra = 1;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			extra = 2;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			extra = 3;
		} else {
			return -EINVAL;
		}
		s++;
		for (int k = 0; k < extra; k++, s++) {
			if ((*s & 0xc0) != 0x80)
				return -EINVAL;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return -EINVAL;
		if (cp >= 0x10000) {
			if (outlen - o < 4)
				return -EINVAL;
			cp -= 0x10000;
			uint16_t hi = (uint16_t)(0xd800 + (cp >> 10)), lo = (uint16_t)(0xdc00 + (cp & 0x3ff));

			if (be) {
				vhd_put_be16(out + o, hi);
				vhd_put_be16(out + o + 2, lo);
			} else {
				out[o] = (uint8_t)hi; out[o + 1] = (uint8_t)(hi >> 8);
				out[o + 2] = (uint8_t)lo; out[o + 3] = (uint8_t)(lo >> 8);
			}
			o += 4;
			continue;
		}
		if (outlen - o < 2)
			return -EINVAL;
		if (be) {
			vhd_put_be16(out + o, (uint16_t)cp);
		} else {
			out[o] = (uint8_t)cp;
			out[o + 1] = (uint8_t)(cp >> 8);
		}
		o += 2;
	}
	return (int)o;
}

int vhd_locator_path(uint32_t code, const void *data, size_t len, char *out, size_t outlen)
{
	char *p;

	switch (code) {
	case VHD_PLAT_W2RU:
	case VHD_PLAT_W2KU:
		if (vhd_utf16_to_utf8(data, len, false, out, outlen))
			return -EINVAL;
		break;
	case VHD_PLAT_MACX:
		if (len < 7 || len >= outlen || memcmp(data, "file://", 7))
			return -ENOENT;
		memcpy(out, (const char *)data + 7, len - 7);
		out[len - 7] = '\0';
		out[strnlen(out, len - 7)] = '\0';
		break;
	default:
		return -ENOENT;
	}
	for (p = out; *p; p++)
		if (*p == '\\')
			*p = '/';
	/* "C:/dir/x.vhd": a drive means nothing here; keep the path. */
	if (((out[0] | 0x20) >= 'a' && (out[0] | 0x20) <= 'z') && out[1] == ':')
		memmove(out, out + 2, strlen(out + 2) + 1);
	return out[0] ? 0 : -EINVAL;
}

uint32_t vhd_bitmap_run(const uint8_t *bm, uint32_t i, uint32_t end)
{
	bool bit = vhd_bitmap_test(bm, i);
	uint32_t j = i + 1;

	while (j < end) {
		/* Whole bytes at a time where aligned. */
		if (!(j & 7) && end - j >= 8) {
			if (bm[j >> 3] == (bit ? 0xff : 0)) {
				j += 8;
				continue;
			}
		}
		if (vhd_bitmap_test(bm, j) != bit)
			break;
		j++;
	}
	return j - i;
}
