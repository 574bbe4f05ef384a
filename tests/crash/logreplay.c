// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * logreplay: replay a dm-log-writes log onto a fresh image and check, at
 * every FLUSH and FUA entry, the records the guest had reported durable
 * (replay.h). Used by the pair case storage-logwrites.
 *
 *   logreplay --size BYTES [--records SIZE --salt N] [--prefix P]
 *             [--max-reports N] [-v] LOG IMAGE
 *   logreplay --list --size BYTES LOG
 *
 * IMAGE is created (or truncated) and zero-filled to BYTES: the device as
 * it was when logging began. --list prints every entry and where its data
 * sits in the log. Exit status: 0 all checks passed, 1 some record check
 * failed, 2 a corrupt or truncated log or another error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/crash/fdio.h"
#include "tests/crash/replay.h"

/* The log, read from a file descriptor. */
static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return fd_pread_all(*(int *)ctx, buf, len, off);
}

/* A byte count with an optional K, M or G suffix. */
static int parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': n <<= 10; /* fall through */
	case 'M': n <<= 10; /* fall through */
	case 'K': n <<= 10; end++; break;
	case 0: break;
	default: return -1;
	}
	if (*end)
		return -1;
	*v = n;
	return 0;
}

static int list(struct lw_log *l, uint64_t dev_size)
{
	struct lw_entry *e = malloc(sizeof(*e));
	const char *err = NULL;
	char flags[48];
	int got;

	if (!e)
		return 2;
	while ((got = lw_next(l, e, dev_size, &err)) == 1)
		printf("%" PRIu64 " %s %" PRIu64 " %" PRIu64 " %" PRIu64 "%s%s\n", e->index,
		       lw_flags_str(e->flags, flags), e->sector, e->nr_sectors, e->data_off,
		       e->mark[0] ? " " : "", e->mark);
	free(e);
	if (got < 0) {
		fprintf(stderr, "logreplay: entry %" PRIu64 " at byte %" PRIu64 ": %s\n",
			l->next, l->pos, err);
		return 2;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: logreplay --size BYTES [--records SIZE --salt N] [--prefix P]\n"
			"                 [--max-reports N] [-v] LOG IMAGE\n"
			"       logreplay --list --size BYTES LOG\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "records", required_argument, NULL, 'r' },
		{ "salt", required_argument, NULL, 'S' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "max-reports", required_argument, NULL, 'm' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = { .mark_prefix = "done-", .report = stdout, .max_reports = 20 };
	struct replay_stats st;
	struct lw_log l;
	const char *err = NULL;
	uint64_t v;
	int c, log_fd, img_fd, listing = 0, ret;
	struct stat sb;

	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &o.dev_size) || !o.dev_size)
				usage();
			break;
		case 'r':
			if (parse_size(optarg, &v) || v > UINT32_MAX)
				usage();
			o.rec_size = (uint32_t)v;
			break;
		case 'S':
			if (parse_size(optarg, &o.salt))
				usage();
			break;
		case 'p': o.mark_prefix = optarg; break;
		case 'm':
			if (parse_size(optarg, &v) || v > 1000000)
				usage();
			o.max_reports = (unsigned int)v;
			break;
		case 'l': listing = 1; break;
		case 'v': o.verbose = 1; break;
		default: usage();
		}
	}
	if (!o.dev_size || argc - optind != (listing ? 1 : 2))
		usage();
	log_fd = open(argv[optind], O_RDONLY);
	if (log_fd < 0 || fstat(log_fd, &sb)) {
		fprintf(stderr, "logreplay: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	/* A regular file's size; a block device's from its end. */
	if (!S_ISREG(sb.st_mode))
		sb.st_size = lseek(log_fd, 0, SEEK_END);
	if (sb.st_size < 0 || lw_open(&l, fd_read, &log_fd, (uint64_t)sb.st_size, &err)) {
		fprintf(stderr, "logreplay: %s: %s\n", argv[optind], err ? err : "cannot size the log");
		return 2;
	}
	if (listing) {
		ret = list(&l, o.dev_size);
		lw_close(&l);
		return ret;
	}
	img_fd = open(argv[optind + 1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (img_fd < 0 || ftruncate(img_fd, (off_t)o.dev_size)) {
		fprintf(stderr, "logreplay: %s: %s\n", argv[optind + 1], strerror(errno));
		return 2;
	}
	ret = replay_run(&l, img_fd, &o, &st, &err);
	printf("logreplay: %" PRIu64 " entries: %" PRIu64 " writes, %" PRIu64 " FLUSH, %" PRIu64
	       " FUA, %" PRIu64 " discards, %" PRIu64 " marks; sector size %u\n",
	       st.entries, st.writes, st.flushes, st.fuas, st.discards, st.marks, l.sectorsize);
	printf("logreplay: %" PRIu64 " replay points, %" PRIu64 " with records due; %" PRIu64
	       " records reported durable; %" PRIu64 " record checks, %" PRIu64 " failed\n",
	       st.points, st.points_checked, st.reported, st.checks, st.failures);
	if (ret) {
		fprintf(stderr, "logreplay: entry %" PRIu64 " at byte %" PRIu64 ": %s\n",
			l.next, l.pos, err);
		ret = 2;
	} else if (st.failures) {
		ret = 1;
	}
	lw_close(&l);
	close(img_fd);
	close(log_fd);
	return ret;
}
