// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmwatch: run a VMM for bench/storage and sample L1 KVM's exit counters
 * once a second while it runs, without forking.
 *
 *   vmwatch --timeout S --serial FILE --samples FILE [--stats DIR] -- CMD [ARG...]
 *
 * Each sample is one line in the samples file:
 *
 *   NS BENCH_LINES EXITS IRQ_INJECTIONS HYPERCALLS HALT_EXITS IRQ_EXITS IO_EXITS MMIO_EXITS
 *
 * NS is CLOCK_REALTIME in nanoseconds, BENCH_LINES how many lines of the
 * guest's console (FILE) begin with "BENCH" so far (the guest marks each
 * fio job with one), then KVM's debugfs counters (DIR, default
 * /sys/kernel/debug/kvm; left out if unreadable).
 *
 * Why not a shell loop: each second it forked date, grep, cat and sleep,
 * and in L1 (TCG) those forks took the CPU from the vCPU for tens of
 * milliseconds: 4k QD1 random reads measured 230-630 IOPS with the shell
 * sampler and 730-980 without any.
 *
 * Exit status: CMD's, 124 if it ran past S seconds (then it is killed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const counters[] = {
	"exits", "irq_injections", "hypercalls", "halt_exits", "irq_exits", "io_exits", "mmio_exits",
};

/* Lines of the console so far that begin with "BENCH"; reads only new bytes. */
struct console {
	int fd;
	off_t off;
	unsigned int col;	/* characters matched of "BENCH" on this line, or 6: not a match */
	unsigned long lines;
};

static void console_scan(struct console *c, const char *path)
{
	static const char mark[] = "BENCH";
	char buf[65536];
	ssize_t n;

	if (c->fd < 0)
		c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return;
	while ((n = pread(c->fd, buf, sizeof(buf), c->off)) > 0) {
		c->off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				c->col = 0;
			} else if (c->col < sizeof(mark) - 1) {
				c->col = buf[i] == mark[c->col] ? c->col + 1 : sizeof(mark);
				if (c->col == sizeof(mark) - 1)
					c->lines++;
			}
		}
	}
}

static bool read_counter(const char *dir, const char *name, unsigned long long *v)
{
	char path[512], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*v = strtoull(buf, NULL, 10);
	return true;
}

static void sample(FILE *out, struct console *c, const char *serial, const char *stats)
{
	unsigned long long v[sizeof(counters) / sizeof(counters[0])];
	struct timespec now;

	console_scan(c, serial);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!read_counter(stats, counters[i], &v[i]))
			return;
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(out, "%llu %lu", (unsigned long long)now.tv_sec * 1000000000ull +
		(unsigned long long)now.tv_nsec, c->lines);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		fprintf(out, " %llu", v[i]);
	fputc('\n', out);
	fflush(out);
}

static int usage(void)
{
	fprintf(stderr, "usage: vmwatch --timeout S --serial FILE --samples FILE [--stats DIR] -- CMD [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *serial = NULL, *samples = NULL, *stats = "/sys/kernel/debug/kvm";
	struct console con = { .fd = -1 };
	long timeout = 0;
	struct timespec next;
	FILE *out;
	pid_t pid;
	int i, status;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--timeout"))
			timeout = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--serial"))
			serial = argv[i + 1];
		else if (!strcmp(argv[i], "--samples"))
			samples = argv[i + 1];
		else if (!strcmp(argv[i], "--stats"))
			stats = argv[i + 1];
		else
			return usage();
	}
	if (i + 1 >= argc || timeout <= 0 || !serial || !samples)
		return usage();
	out = fopen(samples, "w");
	if (!out) {
		perror(samples);
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[i + 1], &argv[i + 1]);
		perror(argv[i + 1]);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long t = 0;; t++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("waitpid");
			return 2;
		}
		if (t >= timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fclose(out);
			return 124;
		}
		sample(out, &con, serial, stats);
		/* Whole seconds from the start: sampling does not drift. */
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	sample(out, &con, serial, stats);
	fclose(out);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
