// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-img: create, inspect, check, convert, resize, compact and commit disk
 * images, with qemu-img's command line conventions. The formats are ovb-host's own (hostside/disk,
 * behind disk_backend), so what ovb-img writes is what storvsp reads.
 *
 * Sizes are exact: a VHD's footer records the size given (a multiple of
 * 512) and the CHS geometry is computed from it as the spec says, for
 * readers that want one; it may describe a little less than the size
 * (CHS cannot express every size), and our reader never uses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostside/disk/vhd.h"
#include "hostside/disk/vhdx.h"
#include "hostside/storvsp/disk_backend.h"

#define COPY_CHUNK	(1u << 20)
#define PIECE		4096u	/* what convert compares and skips */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ovb-img create -f raw|vhd|vhdx [-o type=fixed|dynamic|differencing,parent=FILE,block_size=N] FILE [SIZE]\n"
		"       (vhdx also: -o logical_sector_size=512|4096,physical_sector_size=512|4096)\n"
		"       ovb-img info [--json] [-f FMT] FILE\n"
		"       ovb-img check [-r] [-f FMT] FILE   (-r: a VHDX's log is replayed, a VHD's footers mended, first)\n"
		"       ovb-img convert [-f FMT] [-O raw|vhd|vhdx] [-o type=fixed|dynamic|differencing,parent=FILE,block_size=N] SRC DST\n"
		"       ovb-img resize [--shrink] [-f FMT] FILE [+|-]SIZE   (a smaller size needs --shrink)\n"
		"       ovb-img compact [-f FMT] FILE   (a dynamic or differencing image gives back blocks that read as what is below them)\n"
		"       ovb-img commit [-f FMT] FILE    (a differencing image merged into its parent, then emptied)\n"
		"SIZE: bytes, or with a suffix k, M, G, T (powers of 1024). FMT: raw, vhd, vhdx or auto (the default).\n"
		"check exits 0 when clean, 2 on corruption, 3 on leaked space only, 1 when it cannot check.\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case '\0': case 'b': case 'B': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (shift && v > (~0ull >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

struct create_opts {
	uint32_t type;
	uint64_t block_size;
	uint64_t lsec, psec;	/* VHDX: logical_sector_size=, physical_sector_size= */
	const char *parent;
};

/* "-o type=...,parent=...,block_size=..." (repeatable, like qemu-img). */
static int parse_o(char *arg, struct create_opts *c)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "type=fixed") || !strcmp(tok, "subformat=fixed"))
			c->type = VHD_TYPE_FIXED;
		else if (!strcmp(tok, "type=dynamic") || !strcmp(tok, "subformat=dynamic"))
			c->type = VHD_TYPE_DYNAMIC;
		else if (!strcmp(tok, "type=differencing"))
			c->type = VHD_TYPE_DIFFERENCING;
		else if (!strncmp(tok, "parent=", 7) && tok[7])
			c->parent = tok + 7;
		else if (!strncmp(tok, "block_size=", 11) && !parse_size(tok + 11, &c->block_size) &&
			 c->block_size <= UINT32_MAX)
			;
		else if (!strncmp(tok, "logical_sector_size=", 20) && !parse_size(tok + 20, &c->lsec) &&
			 (c->lsec == 512 || c->lsec == 4096))
			;
		else if (!strncmp(tok, "physical_sector_size=", 21) && !parse_size(tok + 21, &c->psec) &&
			 (c->psec == 512 || c->psec == 4096))
			;
		else {
			fprintf(stderr, "ovb-img: unknown option '%s'\n", tok);
			return -1;
		}
	}
	return 0;
}

static int create_image(const char *fmt, const struct create_opts *c, const char *file,
			uint64_t size)
{
	if (!strcmp(fmt, "raw")) {
		int fd;

		if (c->type || c->parent || c->block_size || c->lsec || c->psec) {
			fprintf(stderr, "ovb-img: raw takes no -o options\n");
			return -1;
		}
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			fprintf(stderr, "ovb-img: %s: %s\n", file, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(fmt, "vhd")) {
		struct vhd_create_opts o = {
			.type = c->type ? c->type : c->parent ? VHD_TYPE_DIFFERENCING : VHD_TYPE_DYNAMIC,
			.size = size, .block_size = (uint32_t)c->block_size, .parent = c->parent,
		};
		const char *why;
		int ret;

		if (c->lsec || c->psec) {
			fprintf(stderr, "ovb-img: a VHD's sectors are 512 bytes (sector sizes are for vhdx)\n");
			return -1;
		}
		if (o.type == VHD_TYPE_DIFFERENCING && !o.parent) {
			fprintf(stderr, "ovb-img: a differencing image needs -o parent=FILE\n");
			return -1;
		}
		if (o.type != VHD_TYPE_DIFFERENCING && o.parent) {
			fprintf(stderr, "ovb-img: parent= is for type=differencing\n");
			return -1;
		}
		ret = vhd_create(file, &o, &why);
		if (ret) {
			fprintf(stderr, "ovb-img: %s: %s (%s)\n", file, why, strerror(-ret));
			return -1;
		}
		return 0;
	}
	if (!strcmp(fmt, "vhdx")) {
		static const enum vhdx_type map[] = {
			[VHD_TYPE_FIXED] = VHDX_FIXED, [VHD_TYPE_DYNAMIC] = VHDX_DYNAMIC,
			[VHD_TYPE_DIFFERENCING] = VHDX_DIFFERENCING,
		};
		uint32_t t = c->type ? c->type : c->parent ? VHD_TYPE_DIFFERENCING : VHD_TYPE_DYNAMIC;
		struct vhdx_create_opts o = {
			.type = map[t], .size = size, .block_size = (uint32_t)c->block_size,
			.parent = c->parent, .logical_sector = (uint32_t)c->lsec,
			.physical_sector = (uint32_t)c->psec,
		};
		const char *why;
		int ret;

		if ((o.type == VHDX_DIFFERENCING) != !!o.parent) {
			fprintf(stderr, "ovb-img: a differencing image needs -o parent=FILE (and only it)\n");
			return -1;
		}
		ret = vhdx_create(file, &o, &why);
		if (ret) {
			fprintf(stderr, "ovb-img: %s: %s (%s)\n", file, why, strerror(-ret));
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "ovb-img: unknown format '%s' (raw, vhd, vhdx)\n", fmt);
	return -1;
}

static int cmd_create(int argc, char **argv)
{
	struct create_opts c = { 0 };
	const char *fmt = "raw";
	uint64_t size = 0;
	int opt;

	while ((opt = getopt(argc, argv, "f:o:")) != -1) {
		if (opt == 'f')
			fmt = optarg;
		else if (opt != 'o' || parse_o(optarg, &c))
			return 1;
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return 1;
	}
	if (argc - optind == 2 && parse_size(argv[optind + 1], &size)) {
		fprintf(stderr, "ovb-img: bad size '%s'\n", argv[optind + 1]);
		return 1;
	}
	if (argc - optind == 1 && c.type != VHD_TYPE_DIFFERENCING && !c.parent) {
		fprintf(stderr, "ovb-img: a SIZE is needed\n");
		return 1;
	}
	return create_image(fmt, &c, argv[optind], size) ? 1 : 0;
}

/* @file's format by its contents: a VHDX identifier, a VHD footer, else raw. */
static const char *detect(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct disk_backend_opts o = { .read_only = true, .format = DISK_FORMAT_AUTO,
				       .parent_dir = "/" };
	struct disk_backend *b;
	const char *f;

	if (fd >= 0 && vhdx_probe(fd)) {
		close(fd);
		return "vhdx";	/* even when it does not open: info and check say why */
	}
	if (fd >= 0)
		close(fd);
	b = disk_backend_open(file, &o);
	if (!b) {
		/*
		 * A VHD that does not open (a parent missing, say) is still no raw
		 * disk: resize would otherwise truncate its footer away.
		 */
		char cookie[8];
		struct stat st;

		bool vhd = false;

		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && !fstat(fd, &st) && st.st_size >= (off_t)VHD_FOOTER_SIZE) {
			/* The footer at the end, or its copy at 0 (a dynamic disk's). */
			vhd = (pread(fd, cookie, 8, st.st_size - VHD_FOOTER_SIZE) == 8 &&
			       !memcmp(cookie, "conectix", 8)) ||
			      (pread(fd, cookie, 8, 0) == 8 && !memcmp(cookie, "conectix", 8));
		}
		if (fd >= 0)
			close(fd);
		return vhd ? "vhd" : "raw";
	}
	f = !strcmp(disk_backend_format(b), "vhd") ? "vhd" : "raw";
	disk_backend_close(b);
	return f;
}

static const char *fmt_resolve(const char *fmt, const char *file)
{
	if (!fmt || !strcmp(fmt, "auto"))
		return detect(file);
	return fmt;
}

static const char *vhd_type_name(uint32_t t)
{
	return t == VHD_TYPE_FIXED ? "fixed" : t == VHD_TYPE_DYNAMIC ? "dynamic" :
	       t == VHD_TYPE_DIFFERENCING ? "differencing" : "?";
}

static void uuid_str(const uint8_t *u, char *out)
{
	sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		u[12], u[13], u[14], u[15]);
}

static uint64_t disk_usage(const char *file)
{
	struct stat st;

	return stat(file, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}

/* One image of a chain as JSON (qemu-img info's names where they exist). */
static struct json_object *vhd_json(const struct vhd *v)
{
	const struct vhd_info *vi = vhd_get_info(v);
	struct json_object *j = json_object_new_object(), *s = json_object_new_object();
	char id[40];

	json_object_object_add(j, "filename", json_object_new_string(vhd_path(v)));
	json_object_object_add(j, "format", json_object_new_string("vhd"));
	json_object_object_add(j, "virtual-size", json_object_new_int64((int64_t)vi->size));
	json_object_object_add(j, "actual-size", json_object_new_int64((int64_t)disk_usage(vhd_path(v))));
	json_object_object_add(s, "type", json_object_new_string(vhd_type_name(vi->type)));
	uuid_str(vi->unique_id, id);
	json_object_object_add(s, "unique-id", json_object_new_string(id));
	json_object_object_add(s, "timestamp", json_object_new_int64(vi->timestamp));
	json_object_object_add(s, "creator", json_object_new_string(vi->creator_app));
	json_object_object_add(s, "cylinders", json_object_new_int(vi->cylinders));
	json_object_object_add(s, "heads", json_object_new_int(vi->heads));
	json_object_object_add(s, "sectors-per-track", json_object_new_int(vi->sectors_per_track));
	if (vi->type != VHD_TYPE_FIXED) {
		json_object_object_add(s, "block-size", json_object_new_int64(vi->block_size));
		json_object_object_add(s, "blocks", json_object_new_int64(vi->bat_entries));
		json_object_object_add(s, "blocks-allocated", json_object_new_int64(vhd_used_blocks(v)));
	}
	json_object_object_add(j, "format-specific", s);
	if (vhd_parent(v)) {
		json_object_object_add(j, "backing-filename", json_object_new_string(vhd_path(vhd_parent(v))));
		json_object_object_add(j, "backing-image", vhd_json(vhd_parent(v)));
	}
	return j;
}

static void vhd_print(const struct vhd *v, int depth)
{
	const struct vhd_info *vi = vhd_get_info(v);
	char id[40];

	uuid_str(vi->unique_id, id);
	printf("%*simage: %s\n", depth * 2, "", vhd_path(v));
	printf("%*sfile format: vhd\n", depth * 2, "");
	printf("%*svirtual size: %llu bytes\n", depth * 2, "", (unsigned long long)vi->size);
	printf("%*sdisk size: %llu bytes\n", depth * 2, "", (unsigned long long)disk_usage(vhd_path(v)));
	printf("%*stype: %s\n", depth * 2, "", vhd_type_name(vi->type));
	printf("%*sunique id: %s\n", depth * 2, "", id);
	printf("%*screator: '%s'\n", depth * 2, "", vi->creator_app);
	printf("%*sgeometry (CHS): %u/%u/%u (the footer's size above is the one used)\n", depth * 2, "",
	       vi->cylinders, vi->heads, vi->sectors_per_track);
	if (vi->type != VHD_TYPE_FIXED) {
		printf("%*sblock size: %u\n", depth * 2, "", vi->block_size);
		printf("%*sblocks allocated: %u of %u\n", depth * 2, "", vhd_used_blocks(v), vi->bat_entries);
	}
	if (vhd_parent(v)) {
		printf("%*sbacking file: %s\n", depth * 2, "", vhd_path(vhd_parent(v)));
		vhd_print(vhd_parent(v), depth + 1);
	}
}

static const char *vhdx_type_name(enum vhdx_type t)
{
	return t == VHDX_FIXED ? "fixed" : t == VHDX_DYNAMIC ? "dynamic" : "differencing";
}

/* One VHDX of a chain as JSON (qemu-img info's names where they exist). */
static struct json_object *vhdx_json(const struct vhdx *v)
{
	const struct vhdx_info *vi = vhdx_get_info(v);
	struct json_object *j = json_object_new_object(), *s = json_object_new_object();
	char id[39];

	json_object_object_add(j, "filename", json_object_new_string(vhdx_path(v)));
	json_object_object_add(j, "format", json_object_new_string("vhdx"));
	json_object_object_add(j, "virtual-size", json_object_new_int64((int64_t)vi->size));
	json_object_object_add(j, "actual-size", json_object_new_int64((int64_t)disk_usage(vhdx_path(v))));
	json_object_object_add(s, "type", json_object_new_string(vhdx_type_name(vhdx_type(v))));
	json_object_object_add(s, "block-size", json_object_new_int64(vi->block_size));
	json_object_object_add(s, "logical-sector-size", json_object_new_int64(vi->lsec));
	json_object_object_add(s, "physical-sector-size", json_object_new_int64(vi->psec));
	json_object_object_add(s, "blocks", json_object_new_int64(vi->payload_blocks));
	json_object_object_add(s, "blocks-allocated", json_object_new_int64(vhdx_used_blocks(v)));
	vhdx_guid_str(&vi->hdr.data_write, id);
	json_object_object_add(s, "data-write-guid", json_object_new_string(id));
	vhdx_guid_str(&vi->page83, id);
	json_object_object_add(s, "page83", json_object_new_string(id));
	json_object_object_add(s, "creator", json_object_new_string(vi->creator));
	if (vi->nkv) {
		struct json_object *l = json_object_new_object();

		for (unsigned int i = 0; i < vi->nkv; i++)
			json_object_object_add(l, vi->kv[i].key, json_object_new_string(vi->kv[i].value));
		json_object_object_add(s, "parent-locator", l);
	}
	json_object_object_add(j, "format-specific", s);
	if (vhdx_parent(v)) {
		json_object_object_add(j, "backing-filename", json_object_new_string(vhdx_path(vhdx_parent(v))));
		json_object_object_add(j, "backing-image", vhdx_json(vhdx_parent(v)));
	}
	return j;
}

static void vhdx_print(const struct vhdx *v, int depth)
{
	const struct vhdx_info *vi = vhdx_get_info(v);
	int d = depth * 2;
	char id[39];

	printf("%*simage: %s\n", d, "", vhdx_path(v));
	printf("%*sfile format: vhdx\n", d, "");
	printf("%*svirtual size: %llu bytes\n", d, "", (unsigned long long)vi->size);
	printf("%*sdisk size: %llu bytes\n", d, "", (unsigned long long)disk_usage(vhdx_path(v)));
	printf("%*stype: %s\n", d, "", vhdx_type_name(vhdx_type(v)));
	printf("%*sblock size: %u\n", d, "", vi->block_size);
	printf("%*ssector size: %u logical, %u physical\n", d, "", vi->lsec, vi->psec);
	printf("%*sblocks allocated: %u of %u\n", d, "", vhdx_used_blocks(v), vi->payload_blocks);
	vhdx_guid_str(&vi->hdr.data_write, id);
	printf("%*sdata write guid: %s\n", d, "", id);
	printf("%*screator: '%s'\n", d, "", vi->creator);
	for (unsigned int i = 0; i < vi->nkv; i++)
		printf("%*sparent locator: %s = %s\n", d, "", vi->kv[i].key, vi->kv[i].value);
	if (vhdx_parent(v)) {
		printf("%*sbacking file: %s\n", d, "", vhdx_path(vhdx_parent(v)));
		vhdx_print(vhdx_parent(v), depth + 1);
	}
}

static int info_vhdx(const char *file, bool json)
{
	struct vhdx *v = vhdx_open(file, true, "/");

	if (!v) {
		fprintf(stderr, "ovb-img: %s: cannot open as VHDX: %s%s\n", file, strerror(errno),
			errno == EROFS ? " (its log needs a replay: open it writable once)" : "");
		return 1;
	}
	if (json) {
		struct json_object *j = vhdx_json(v);

		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
		json_object_put(j);
	} else {
		vhdx_print(v, 0);
	}
	vhdx_close(v);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	const char *fmt = NULL, *file;
	bool json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "f:", lo, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'f')
			fmt = optarg;
		else
			return 1;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	file = argv[optind];
	fmt = fmt_resolve(fmt, file);
	if (!strcmp(fmt, "vhdx"))
		return info_vhdx(file, json);
	if (!strcmp(fmt, "vhd")) {
		struct vhd *v = vhd_open(file, true, "/");

		if (!v) {
			fprintf(stderr, "ovb-img: %s: cannot open as VHD: %s\n", file, strerror(errno));
			return 1;
		}
		if (json) {
			struct json_object *j = vhd_json(v);

			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
			json_object_put(j);
		} else {
			vhd_print(v, 0);
		}
		vhd_close(v);
		return 0;
	}
	{
		struct stat st;

		if (stat(file, &st)) {
			fprintf(stderr, "ovb-img: %s: %s\n", file, strerror(errno));
			return 1;
		}
		if (json) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "filename", json_object_new_string(file));
			json_object_object_add(j, "format", json_object_new_string("raw"));
			json_object_object_add(j, "virtual-size", json_object_new_int64(st.st_size));
			json_object_object_add(j, "actual-size",
					       json_object_new_int64((int64_t)disk_usage(file)));
			printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
			json_object_put(j);
		} else {
			printf("image: %s\nfile format: raw\nvirtual size: %lld bytes\ndisk size: %llu bytes\n",
			       file, (long long)st.st_size, (unsigned long long)disk_usage(file));
		}
	}
	return 0;
}

static int check_vhdx(const char *file, bool repair)
{
	struct vhdx_check_result r;
	int ret = vhdx_check(file, "/", repair, &r);

	if (ret) {
		fprintf(stderr, "ovb-img: %s: %s\n", file, strerror(-ret));
		return 1;
	}
	if (r.errors) {
		printf("%u errors were found on the image (first: %s).\n", r.errors, r.first_error);
		return 2;
	}
	if (r.replayed)
		printf("The log was replayed (%u entries).\n", r.replayed);
	if (r.log_pending) {
		printf("The image was not closed cleanly: its log is replayed when it is next opened writable.\n");
		return 0;
	}
	printf("No errors were found on the image.\n%u blocks in use.\n", r.used_blocks);
	if (r.leaked_bytes) {
		printf("%llu bytes of leaked space (no data is lost).\n", (unsigned long long)r.leaked_bytes);
		return 3;
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct vhd_check_result r;
	const char *fmt = NULL;
	bool repair = false;
	int opt, ret;

	while ((opt = getopt(argc, argv, "f:r")) != -1) {
		if (opt == 'f')
			fmt = optarg;
		else if (opt == 'r')
			repair = true;	/* VHDX: replay a log a crash left; VHD: mend its footers */
		else
			return 1;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	fmt = fmt_resolve(fmt, argv[optind]);
	if (!strcmp(fmt, "vhdx"))
		return check_vhdx(argv[optind], repair);
	if (strcmp(fmt, "vhd")) {
		fprintf(stderr, "ovb-img: %s: a %s image has no metadata to check\n", argv[optind], fmt);
		return 0;
	}
	if (repair) {
		/* A writable open repairs the footers a crash can leave apart. */
		struct vhd *v = vhd_open(argv[optind], false, "/");

		if (v)
			vhd_close(v);
	}
	ret = vhd_check(argv[optind], "/", &r);
	if (ret) {
		fprintf(stderr, "ovb-img: %s: %s\n", argv[optind], strerror(-ret));
		return 1;
	}
	if (r.errors) {
		printf("%u errors were found on the image (first: %s).\n", r.errors, r.first_error);
		return 2;
	}
	printf("No errors were found on the image.\n%u blocks in use.\n", r.used_blocks);
	if (r.leaks) {
		printf("%llu bytes of leaked space (no data is lost).\n", (unsigned long long)r.leaked_bytes);
		return 3;
	}
	return 0;
}

static size_t next_piece(size_t p, size_t n)
{
	return n - p < PIECE ? n : p + PIECE;
}

static bool same_piece(const uint8_t *a, const uint8_t *b, size_t p, size_t n)
{
	return !memcmp(a + p, b + p, next_piece(p, n) - p);
}

static int cmd_convert(int argc, char **argv)
{
	struct create_opts c = { 0 };
	const char *fmt = NULL, *ofmt = "raw", *src, *dst;
	struct disk_backend_opts so = { .read_only = true, .parent_dir = "/" }, dopt = { 0 };
	struct disk_backend *in, *out;
	uint8_t *buf, *base;
	uint64_t size;
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "f:O:o:")) != -1) {
		if (opt == 'f')
			fmt = optarg;
		else if (opt == 'O')
			ofmt = optarg;
		else if (opt != 'o' || parse_o(optarg, &c))
			return 1;
	}
	if (optind != argc - 2) {
		usage(stderr);
		return 1;
	}
	src = argv[optind];
	dst = argv[optind + 1];
	if ((c.type == VHD_TYPE_DIFFERENCING) != !!c.parent) {
		fprintf(stderr, "ovb-img: a differencing image needs type=differencing,parent=FILE\n");
		return 1;
	}
	if (disk_format_parse(fmt_resolve(fmt, src), &so.format) || so.format == DISK_FORMAT_AUTO ||
	    disk_format_parse(ofmt, &dopt.format) || dopt.format == DISK_FORMAT_AUTO) {
		fprintf(stderr, "ovb-img: formats are raw, vhd or vhdx\n");
		return 1;
	}
	in = disk_backend_open(src, &so);
	if (!in) {
		fprintf(stderr, "ovb-img: %s: %s\n", src, strerror(errno));
		return 1;
	}
	size = disk_backend_size(in);
	if (create_image(ofmt, &c, dst, size)) {
		disk_backend_close(in);
		return 1;
	}
	out = disk_backend_open(dst, &dopt);
	buf = malloc(2 * COPY_CHUNK);
	base = buf + COPY_CHUNK;
	if (!out || !buf) {
		fprintf(stderr, "ovb-img: %s: %s\n", dst, strerror(errno));
		ret = 1;
		goto done;
	}
	/*
	 * A new image reads as zeros, a differencing one as its parent: only
	 * the pieces that differ from that are written (sparse; a child holds
	 * just what changed).
	 */
	for (uint64_t off = 0; off < size && !ret; off += COPY_CHUNK) {
		size_t n = size - off < COPY_CHUNK ? (size_t)(size - off) : COPY_CHUNK;
		struct iovec v = { buf, n }, w = { base, n };
		int err = disk_backend_readv(in, &v, 1, off);

		if (!err && c.parent)
			err = disk_backend_readv(out, &w, 1, off);
		else
			memset(base, 0, n);
		for (size_t p = 0; !err && p < n;) {
			size_t q;

			while (p < n && same_piece(buf, base, p, n))
				p = next_piece(p, n);
			for (q = p; q < n && !same_piece(buf, base, q, n);)
				q = next_piece(q, n);
			if (q > p) {
				struct iovec d = { buf + p, q - p };

				err = disk_backend_writev(out, &d, 1, off + p, false);
			}
			p = q;
		}
		if (err) {
			fprintf(stderr, "ovb-img: at offset %llu: %s\n", (unsigned long long)off,
				strerror(-err));
			ret = 1;
		}
	}
	if (!ret && disk_backend_flush(out)) {
		fprintf(stderr, "ovb-img: %s: flush failed\n", dst);
		ret = 1;
	}
done:
	free(buf);
	disk_backend_close(out);
	disk_backend_close(in);
	return ret;
}

/* The image's virtual size, by format; 0 or -errno. */
static int image_size(const char *file, const char *fmt, uint64_t *size)
{
	struct disk_backend_opts o = { .read_only = true, .parent_dir = "/" };
	struct disk_backend *b;

	if (disk_format_parse(fmt, &o.format) || o.format == DISK_FORMAT_AUTO)
		return -EINVAL;
	b = disk_backend_open(file, &o);
	if (!b)
		return -errno;
	*size = disk_backend_size(b);
	disk_backend_close(b);
	return 0;
}

static int cmd_resize(int argc, char **argv)
{
	static const struct option lo[] = { { "shrink", no_argument, NULL, 's' }, { 0 } };
	const char *fmt = NULL, *file, *arg, *why = NULL;
	uint64_t size, cur = 0, delta;
	bool shrink = false;
	int opt, ret;

	/* "-1G" is a size, not options: getopt stops at the file name. */
	while ((opt = getopt_long(argc, argv, "+f:", lo, NULL)) != -1) {
		if (opt == 's')
			shrink = true;
		else if (opt == 'f')
			fmt = optarg;
		else
			return 1;
	}
	if (optind != argc - 2) {
		usage(stderr);
		return 1;
	}
	file = argv[optind];
	arg = argv[optind + 1];
	fmt = fmt_resolve(fmt, file);
	ret = image_size(file, fmt, &cur);
	if (ret) {
		fprintf(stderr, "ovb-img: %s: cannot open as %s: %s\n", file, fmt, strerror(-ret));
		return 1;
	}
	if (parse_size(arg + (*arg == '+' || *arg == '-'), &delta)) {
		fprintf(stderr, "ovb-img: bad size '%s'\n", arg);
		return 1;
	}
	size = *arg == '+' ? cur + delta : *arg == '-' ? cur - delta : delta;
	if ((*arg == '+' && size < cur) || (*arg == '-' && delta >= cur)) {
		fprintf(stderr, "ovb-img: size '%s' out of range\n", arg);
		return 1;
	}
	if (size < cur && !shrink) {
		fprintf(stderr, "ovb-img: %s: shrinking loses the data past the new end: use --shrink to do it\n",
			file);
		return 1;
	}
	if (!strcmp(fmt, "vhd")) {
		ret = vhd_resize(file, size, shrink, &why);
	} else if (!strcmp(fmt, "vhdx")) {
		ret = vhdx_resize(file, size, shrink, &why);
	} else {
		ret = truncate(file, (off_t)size) < 0 ? -errno : 0;
		why = "cannot truncate";
	}
	if (ret) {
		fprintf(stderr, "ovb-img: %s: %s (%s)\n", file, why, strerror(-ret));
		return 1;
	}
	printf("Image resized.\n");
	return 0;
}

/* compact and commit: "[-f FMT] FILE", a VHD or VHDX. */
static const char *one_image(int argc, char **argv, const char **fmt)
{
	int opt;

	*fmt = NULL;
	while ((opt = getopt(argc, argv, "f:")) != -1) {
		if (opt != 'f')
			return NULL;
		*fmt = optarg;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return NULL;
	}
	*fmt = fmt_resolve(*fmt, argv[optind]);
	return argv[optind];
}

static int cmd_compact(int argc, char **argv)
{
	const char *fmt, *file = one_image(argc, argv, &fmt), *why = NULL;
	uint64_t before, after;
	uint32_t freed = 0;
	int ret;

	if (!file)
		return 1;
	before = disk_usage(file);
	if (!strcmp(fmt, "vhd")) {
		ret = vhd_compact(file, "/", &freed, &why);
	} else if (!strcmp(fmt, "vhdx")) {
		ret = vhdx_compact(file, "/", &freed, &why);
	} else {
		fprintf(stderr, "ovb-img: %s: a %s image has no blocks to give back (fallocate --dig-holes does it for raw)\n",
			file, fmt);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "ovb-img: %s: %s (%s)\n", file, why, strerror(-ret));
		return 1;
	}
	after = disk_usage(file);
	printf("%u blocks freed; disk size %llu -> %llu bytes.\n", freed, (unsigned long long)before,
	       (unsigned long long)after);
	return 0;
}

static int cmd_commit(int argc, char **argv)
{
	const char *fmt, *file = one_image(argc, argv, &fmt), *why = NULL;
	uint64_t sectors = 0;
	int ret;

	if (!file)
		return 1;
	if (!strcmp(fmt, "vhd")) {
		ret = vhd_commit(file, "/", &sectors, &why);
	} else if (!strcmp(fmt, "vhdx")) {
		ret = vhdx_commit(file, "/", &sectors, &why);
	} else {
		fprintf(stderr, "ovb-img: %s: a %s image has no parent to commit into\n", file, fmt);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "ovb-img: %s: %s (%s)\n", file, why, strerror(-ret));
		return 1;
	}
	printf("Image committed (%llu sectors); %s is now an empty child of its parent.\n",
	       (unsigned long long)sectors, file);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (!strcmp(argv[1], "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "convert"))
		return cmd_convert(argc - 1, argv + 1);
	if (!strcmp(argv[1], "resize"))
		return cmd_resize(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compact"))
		return cmd_compact(argc - 1, argv + 1);
	if (!strcmp(argv[1], "commit"))
		return cmd_commit(argc - 1, argv + 1);
	fprintf(stderr, "ovb-img: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 1;
}
