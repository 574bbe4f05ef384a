// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * evdump /dev/input/eventN SECONDS: print the device's events as
 * "TYPE CODE VALUE" lines (decimal, EV_SYN left out), flushed at once,
 * for SECONDS, then exit 0. For the console pair cases' guests.
 */
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, now;
	struct pollfd pfd;
	long limit_ms;

	if (argc < 3) {
		fprintf(stderr, "usage: evdump /dev/input/eventN SECONDS\n");
		return 2;
	}
	pfd.fd = open(argv[1], O_RDONLY);
	pfd.events = POLLIN;
	if (pfd.fd < 0) {
		perror(argv[1]);
		return 1;
	}
	limit_ms = atol(argv[2]) * 1000;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct input_event ev[16];
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = limit_ms - ((now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) < 0)
			break;
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(pfd.fd, ev, sizeof(ev));
		if (n <= 0)
			break;
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			if (ev[i].type != EV_SYN)
				printf("%u %u %d\n", ev[i].type, ev[i].code, ev[i].value);
		fflush(stdout);
	}
	return 0;
}
