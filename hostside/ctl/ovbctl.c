// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovbctl: talk to a running ovb-host over its control socket.
 *
 *   ovbctl [-s SOCKET] COMMAND [ARGS...]
 *
 * Commands (ask `ovbctl help`): status, channels, heartbeat, shutdown,
 * reboot. Exit status 0 when ovb-host answered "ok", 1 when it answered
 * an error, 2 when it could not be reached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/ovb-host.sock"

static void usage(FILE *f)
{
	fprintf(f, "usage: ovbctl [-s SOCKET] COMMAND [ARGS...]\n"
		   "  -s SOCKET   ovb-host's --ctl socket (default $OVB_CTL or %s)\n"
		   "commands: status, channels, heartbeat, shutdown, reboot,\n"
		   "          disk add PATH[,ro][,direct][,serial=S], disk remove LUN, help\n",
		DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	const char *path = getenv("OVB_CTL") ? getenv("OVB_CTL") : DEFAULT_SOCKET;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512], last[512] = "";
	size_t len = 0;
	FILE *in;
	int i = 1, fd;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	for (int j = i; j < argc; j++) {
		size_t n = strlen(argv[j]);

		if (len + n + 2 > 256) {
			fprintf(stderr, "ovbctl: command too long\n");
			return 2;
		}
		memcpy(line + len, argv[j], n);
		len += n;
		line[len++] = j + 1 < argc ? ' ' : '\n';
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ovbctl: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A wedged ovb-host must not wedge its caller (scripts, tests). */
	{
		struct timeval tv = { .tv_sec = 15 };

		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		}
	}
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ovbctl: cannot reach ovb-host at %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "ovbctl: write: %s\n", strerror(errno));
		return 2;
	}
	in = fdopen(fd, "r");
	if (!in)
		return 2;
	while (fgets(line, sizeof(line), in)) {
		if (strcmp(line, "ok\n"))
			fputs(line, strncmp(line, "error: ", 7) ? stdout : stderr);
		strcpy(last, line);
	}
	fclose(in);
	if (!strcmp(last, "ok\n"))
		return 0;
	if (!last[0])
		fprintf(stderr, "ovbctl: no answer from ovb-host\n");
	return 1;
}
