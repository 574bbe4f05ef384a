/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the image format tests (vhd_test, vhdx_test) share: random writes
 * to a disk_backend mirrored in a raw shadow copy and read back against
 * it, and a writer of numbered records killed at a random moment. The
 * including test defines SIZE (the disk's bytes) and open_img() first,
 * and includes <cmocka.h> and "hostside/storvsp/disk_backend.h".
 */
#ifndef OVB_TESTS_DISK_SHADOW_H
#define OVB_TESTS_DISK_SHADOW_H

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct disk_backend *open_img(const char *p, bool ro);

static uint64_t rng = 88172645463325252ull;

static uint64_t xs(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random writes (some crossing blocks, some unaligned to blocks) to @b and @shadow. */
static void scribble(struct disk_backend *b, uint8_t *shadow, int n)
{
	static uint8_t buf[3 << 20];

	for (int i = 0; i < n; i++) {
		uint64_t sectors = 1 + xs() % (i % 4 ? 64 : 5000);
		uint64_t off = xs() % (SIZE / 512 - sectors) * 512, len = sectors * 512;
		struct iovec v[2] = { { buf, len / 2 / 512 * 512 }, { buf + len / 2 / 512 * 512, 0 } };

		v[1].iov_len = len - v[0].iov_len;
		for (uint64_t k = 0; k < len; k++)
			buf[k] = (uint8_t)xs();
		/* Two iovecs where the length allows: slices cross them. */
		if (v[0].iov_len)
			assert_int_equal(disk_backend_writev(b, v, 2, off, i % 7 == 0), 0);
		else
			assert_int_equal(disk_backend_writev(b, &v[1], 1, off, i % 7 == 0), 0);
		memcpy(shadow + off, buf, len);
	}
	assert_int_equal(disk_backend_flush(b), 0);
}

static void compare(struct disk_backend *b, const uint8_t *shadow)
{
	static uint8_t buf[SIZE];
	struct iovec v = { buf, SIZE };

	assert_int_equal(disk_backend_readv(b, &v, 1, 0), 0);
	assert_memory_equal(buf, shadow, SIZE);
	/* And in odd pieces, through the block and bitmap boundaries. */
	for (uint64_t off = 0; off < SIZE;) {
		uint64_t len = (1 + xs() % 9000) * 512;

		if (len > SIZE - off)
			len = SIZE - off;
		v.iov_len = len;
		assert_int_equal(disk_backend_readv(b, &v, 1, off), 0);
		assert_memory_equal(buf, shadow + off, len);
		off += len;
	}
}

/*
 * Crash safety: a child process writes numbered 4 KiB records (each to its
 * own place, so later ones never hide earlier ones), flushing every few and
 * telling us the last flushed number through a pipe; we kill it at a random
 * moment. The image must then hold every record up to the last flush;
 * later ones are whole or absent.
 */
#define REC	4096u
#define NREC	(SIZE / REC)

static uint64_t rec_off(uint32_t i)
{
	return (uint64_t)i * 2654435761u % NREC * REC;	/* a permutation: coprime to NREC */
}

static void writer(const char *p, int wfd)
{
	struct disk_backend *b = open_img(p, false);
	uint32_t buf[REC / 4];

	if (!b)
		_exit(2);
	for (uint32_t i = 1; i < NREC; i++) {
		struct iovec v = { buf, REC };

		for (unsigned int k = 0; k < REC / 4; k++)
			buf[k] = i;
		if (disk_backend_writev(b, &v, 1, rec_off(i), false))
			_exit(3);
		if (i % 5 == 0) {
			if (disk_backend_flush(b) || write(wfd, &i, 4) != 4)
				_exit(4);
		}
	}
	_exit(0);
}

/*
 * Run writer() on @p and kill it up to @max_ms after its first flush. The
 * last record flushed; *@killed: it died of the kill with records flushed.
 */
static uint32_t run_killed_writer(const char *p, unsigned int max_ms, bool *killed)
{
	uint32_t last = 0, got;
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pfd[0]);
		writer(p, pfd[1]);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &last, 4), 4);
	{
		struct timespec ts = { 0, (long)(1 + xs() % max_ms) * 1000000L };

		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_true(!WIFEXITED(status) || WEXITSTATUS(status) == 0);
	while (read(pfd[0], &got, 4) == 4)
		last = got;
	close(pfd[0]);
	*killed = WIFSIGNALED(status) && last;
	return last;
}

/* Every record up to @last is there; the others whole or zeros. */
static void verify_records(struct disk_backend *b, uint32_t last)
{
	uint32_t buf[REC / 4];

	for (uint32_t i = 1; i < NREC; i++) {
		struct iovec v = { buf, REC };

		assert_int_equal(disk_backend_readv(b, &v, 1, rec_off(i)), 0);
		for (unsigned int k = 0; k < REC / 4; k++) {
			if (i <= last)
				assert_int_equal(buf[k], i);
			else if (buf[k] != i)
				assert_int_equal(buf[k], 0);
		}
	}
}

/* ---- resize, compact, commit (ovb-img's operations on a closed image) ---- */

/* @p reads as @want, @len bytes, which is its whole size. */
static void expect_data(const char *p, const uint8_t *want, uint64_t len)
{
	struct disk_backend *b = open_img(p, true);
	uint8_t *buf = malloc(len);
	struct iovec v = { buf, len };

	assert_non_null(b);
	assert_non_null(buf);
	assert_int_equal(disk_backend_size(b), len);
	assert_int_equal(disk_backend_readv(b, &v, 1, 0), 0);
	assert_memory_equal(buf, want, len);
	free(buf);
	disk_backend_close(b);
}

/* [@off, +@len) of @p: random bytes (@zero: zeros), mirrored in @shadow. */
static void put_data(const char *p, uint8_t *shadow, uint64_t off, uint64_t len, bool zero)
{
	struct disk_backend *b = open_img(p, false);
	struct iovec v = { shadow + off, len };

	assert_non_null(b);
	for (uint64_t k = 0; k < len; k++)
		shadow[off + k] = zero ? 0 : (uint8_t)(xs() | 1);
	assert_int_equal(disk_backend_writev(b, &v, 1, off, false), 0);
	assert_int_equal(disk_backend_flush(b), 0);
	disk_backend_close(b);
}

/*
 * Crash safety of an operation on a closed image: @op runs in a child
 * process killed at a random moment within the time a whole run took
 * (@setup remakes the image first, each round; a round the operation
 * outran halves that window). Runs until @rounds were killed before the
 * operation finished, or 3 * @rounds in all; returns how many were.
 * @after checks each.
 */
static int killed_op_rounds(void (*setup)(void), int (*op)(void), void (*after)(bool done),
			    int rounds)
{
	struct timespec t0, t1;
	long full_us;
	int killed = 0;

	setup();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(op(), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	after(true);
	full_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000 + 1;
	for (int r = 0; r < 3 * rounds && killed < rounds; r++) {
		struct timespec ts;
		int status;
		pid_t pid;

		int pfd[2];
		char go;

		setup();
		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			/* The kill's moment counts from the operation's start, not the fork's. */
			close(pfd[0]);
			_exit(write(pfd[1], "g", 1) != 1 ? 4 : op() ? 3 : 0);
		}
		close(pfd[1]);
		assert_int_equal(read(pfd[0], &go, 1), 1);
		close(pfd[0]);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(xs() % (uint64_t)full_us) * 1000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec = ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
		}
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		assert_true(WIFSIGNALED(status) || WEXITSTATUS(status) == 0);
		killed += WIFSIGNALED(status);
		if (!WIFSIGNALED(status) && full_us > 1)
			full_us /= 2;
		after(!WIFSIGNALED(status));
	}
	return killed;
}

#endif
