// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Control socket server: one thread, one client at a time (commands are
 * short), bounded reads with a timeout so a stuck client cannot wedge it.
 * Never on the fast path.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostside/ctl/ctl.h"
#include "hostside/log.h"

struct ctl {
	int fd;
	char path[108];
	const struct ctl_command *cmds;
	unsigned int ncmds;
	void *opaque;
	pthread_t thread;
};

int ctl_dispatch(const struct ctl_command *cmds, unsigned int ncmds, void *opaque,
		 const char *line, FILE *out)
{
	char name[32];
	size_t n = strcspn(line, " \t\r\n");
	const char *args = line + n, *err = "failed";

	while (*args == ' ' || *args == '\t')
		args++;
	if (!n || n >= sizeof(name)) {
		fprintf(out, "error: empty or overlong command\n");
		return -1;
	}
	memcpy(name, line, n);
	name[n] = '\0';
	if (!strcmp(name, "help")) {
		for (unsigned int i = 0; i < ncmds; i++)
			fprintf(out, "%-12s %s\n", cmds[i].name, cmds[i].help);
		fprintf(out, "ok\n");
		return 0;
	}
	for (unsigned int i = 0; i < ncmds; i++) {
		if (strcmp(cmds[i].name, name))
			continue;
		if (cmds[i].fn(opaque, args, out, &err) < 0) {
			fprintf(out, "error: %s\n", err);
			return -1;
		}
		fprintf(out, "ok\n");
		return 0;
	}
	fprintf(out, "error: unknown command '%s' (try help)\n", name);
	return -1;
}

static void ctl_serve(struct ctl *ctl, int c)
{
	char line[CTL_MAX_LINE + 1];
	size_t len = 0;
	struct pollfd p = { .fd = c, .events = POLLIN };
	FILE *out;

	while (len < CTL_MAX_LINE && !memchr(line, '\n', len)) {
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0)
			break;
		n = read(c, line + len, CTL_MAX_LINE - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	out = fdopen(dup(c), "w");
	if (!out)
		return;
	if (len >= CTL_MAX_LINE)
		fprintf(out, "error: command longer than %d bytes\n", CTL_MAX_LINE);
	else
		ctl_dispatch(ctl->cmds, ctl->ncmds, ctl->opaque, line, out);
	fclose(out);
}

static void *ctl_thread(void *arg)
{
	struct ctl *ctl = arg;

	pthread_setname_np(pthread_self(), "ctl");
	for (;;) {
		int c = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			break;
		}
		ctl_serve(ctl, c);
		close(c);
	}
	return NULL;
}

struct ctl *ctl_start(const char *path, const struct ctl_command *cmds, unsigned int ncmds,
		      void *opaque)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *ctl;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket path too long: %s", path);
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return NULL;
	strcpy(sa.sun_path, path);
	strcpy(ctl->path, path);
	unlink(path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0 || bind(ctl->fd, (void *)&sa, sizeof(sa)) < 0 || listen(ctl->fd, 4) < 0) {
		log_err("control socket %s: %s", path, strerror(errno));
		free(ctl);
		return NULL;
	}
	ctl->cmds = cmds;
	ctl->ncmds = ncmds;
	ctl->opaque = opaque;
	if (pthread_create(&ctl->thread, NULL, ctl_thread, ctl)) {
		close(ctl->fd);
		free(ctl);
		return NULL;
	}
	return ctl;
}

void ctl_stop(struct ctl *ctl)
{
	if (!ctl)
		return;
	shutdown(ctl->fd, SHUT_RDWR);
	close(ctl->fd);
	pthread_join(ctl->thread, NULL);
	unlink(ctl->path);
	free(ctl);
}
