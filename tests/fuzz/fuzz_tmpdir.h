/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A fuzzer's own temporary directory (/tmp/PREFIX.PID) for the files its
 * target writes, emptied for each input. libFuzzer exits without atexit
 * handlers, so the directories of earlier runs whose process is gone are
 * removed when the next one starts.
 */
#ifndef OVB_FUZZ_TMPDIR_H
#define OVB_FUZZ_TMPDIR_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fuzz_rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	return f->level ? remove(p) : 0;
}

/* Remove what is below @dir (not @dir itself). */
static inline void fuzz_tmpdir_empty(const char *dir)
{
	nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make /tmp/@prefix.PID in @dir (@size bytes) after removing stale ones; its fd (aborts on failure). */
static inline int fuzz_tmpdir(char *dir, size_t size, const char *prefix)
{
	DIR *d = opendir("/tmp");
	size_t plen = strlen(prefix);
	struct dirent *e;
	char p[300];
	int pid, fd;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, plen) && e->d_name[plen] == '.' &&
		    sscanf(e->d_name + plen, ".%d", &pid) == 1 && kill(pid, 0) && errno == ESRCH) {
			snprintf(p, sizeof(p), "/tmp/%s", e->d_name);
			fuzz_tmpdir_empty(p);
			rmdir(p);
		}
	if (d)
		closedir(d);
	snprintf(dir, size, "/tmp/%s.%d", prefix, (int)getpid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		abort();
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		abort();
	return fd;
}

#endif /* OVB_FUZZ_TMPDIR_H */
