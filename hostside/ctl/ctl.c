// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Control socket server (see ctl.h): requests are parsed and dispatched
 * here, answers are JSON objects built by the handlers and written only
 * after the handler returned. Never on the fast path.
 */
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hostside/clock.h"
#include "hostside/ctl/ctl.h"
#include "hostside/log.h"

#define CTL_MAX_GROUPS 32

struct ctl_group {
	const struct ctl_command *cmds;
	unsigned int ncmds;
	void *opaque;
	const char *absent;
};

struct ctl_client {
	struct ctl *ctl;
	pthread_t thread;
	int fd;
	bool used, done;		/* done: the thread may be joined */
};

struct ctl {
	int fd;
	char path[108];
	struct ctl_group groups[CTL_MAX_GROUPS];
	unsigned int ngroups;
	pthread_mutex_t run_lock;	/* handlers run one at a time */
	pthread_mutex_t lock;		/* clients[] */
	struct ctl_client clients[CTL_MAX_CLIENTS];
	pthread_t thread;
	bool listening;
	bool has_group;
	gid_t gid;			/* with has_group: its members may talk */
};

struct json_object *ctl_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

struct ctl *ctl_new(void)
{
	struct ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl)
		return NULL;
	ctl->fd = -1;
	pthread_mutex_init(&ctl->run_lock, NULL);
	pthread_mutex_init(&ctl->lock, NULL);
	return ctl;
}

int ctl_add(struct ctl *ctl, const struct ctl_command *cmds, unsigned int ncmds, void *opaque,
	    const char *absent)
{
	if (ctl->ngroups == CTL_MAX_GROUPS)
		return -1;
	ctl->groups[ctl->ngroups++] = (struct ctl_group){ cmds, ncmds, opaque, absent };
	return 0;
}

static struct json_object *ctl_help(struct ctl *ctl)
{
	static const struct ctl_command help = { "help", "", "list the commands", NULL };
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (unsigned int g = 0; g <= ctl->ngroups; g++) {
		const struct ctl_command *c = g < ctl->ngroups ? ctl->groups[g].cmds : &help;
		unsigned int n = g < ctl->ngroups ? ctl->groups[g].ncmds : 1;

		for (unsigned int i = 0; i < n; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "name", json_object_new_string(c[i].name));
			json_object_object_add(e, "usage", json_object_new_string(c[i].usage));
			json_object_object_add(e, "help", json_object_new_string(c[i].help));
			json_object_array_add(a, e);
		}
	}
	json_object_object_add(o, "commands", a);
	return o;
}

static struct json_object *ctl_run(struct ctl *ctl, const char *name, const char *args)
{
	char msg[96];

	if (!strcmp(name, "help"))
		return ctl_help(ctl);
	for (unsigned int g = 0; g < ctl->ngroups; g++) {
		const struct ctl_group *grp = &ctl->groups[g];

		for (unsigned int i = 0; i < grp->ncmds; i++) {
			struct json_object *reply;
			const char *err = "failed";
			int rc;

			if (strcmp(grp->cmds[i].name, name))
				continue;
			if (!grp->opaque)
				return ctl_error(grp->absent);
			reply = json_object_new_object();
			pthread_mutex_lock(&ctl->run_lock);
			rc = grp->cmds[i].fn(grp->opaque, args, reply, &err);
			pthread_mutex_unlock(&ctl->run_lock);
			if (rc < 0) {
				json_object_put(reply);
				return ctl_error(err);
			}
			return reply;
		}
	}
	snprintf(msg, sizeof(msg), "unknown command '%s' (try help)", name);
	return ctl_error(msg);
}

/*
 * The request parser: hostile bytes in, a command name and its arguments
 * out. One line of printable text (tabs allowed, an optional \r before the
 * newline), at most CTL_MAX_LINE bytes.
 */
struct json_object *ctl_request(struct ctl *ctl, const char *buf, size_t len)
{
	char line[CTL_MAX_LINE + 1], name[CTL_MAX_NAME + 1];
	const char *nl = memchr(buf, '\n', len);
	size_t n, k;
	char *args;

	if (nl)
		len = (size_t)(nl - buf);
	if (len && buf[len - 1] == '\r')
		len--;
	if (len > CTL_MAX_LINE) {
		snprintf(line, sizeof(line), "command longer than %d bytes", CTL_MAX_LINE);
		return ctl_error(line);
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return ctl_error("control characters in the command");
	}
	memcpy(line, buf, len);
	line[len] = '\0';
	/* Trailing blanks are not part of the arguments. */
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	n = strcspn(line, " \t");
	if (!n)
		return ctl_error("empty command (try help)");
	if (n > CTL_MAX_NAME)
		return ctl_error("overlong command name (try help)");
	memcpy(name, line, n);
	name[n] = '\0';
	k = n + strspn(line + n, " \t");
	args = line + k;
	return ctl_run(ctl, name, args);
}

/* ---- the socket ------------------------------------------------------- */

static int ms_left(uint64_t deadline)
{
	uint64_t now = host_now_ns();

	return now >= deadline ? 0 : (int)((deadline - now) / 1000000 + 1);
}

/* Read one request: up to a newline, EOF, or CTL_MAX_LINE + 1 bytes. */
static size_t ctl_read_request(int c, char *buf, size_t size)
{
	uint64_t deadline = host_now_ns() + CTL_IO_MS * 1000000ull;
	struct pollfd p = { .fd = c, .events = POLLIN };
	size_t len = 0;

	while (len < size && !memchr(buf, '\n', len)) {
		ssize_t n;
		int ms = ms_left(deadline);

		if (!ms || poll(&p, 1, ms) <= 0)
			break;
		n = recv(c, buf + len, size - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return len;
}

static void ctl_write_answer(int c, const char *s)
{
	uint64_t deadline = host_now_ns() + CTL_IO_MS * 1000000ull;
	struct pollfd p = { .fd = c, .events = POLLOUT };
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n;
		int ms = ms_left(deadline);

		if (!ms || poll(&p, 1, ms) <= 0)
			return;		/* a client that does not read loses its answer */
		n = send(c, s + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void ctl_answer(int c, struct json_object *reply)
{
	const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);
	char *line = malloc(len + 2);

	if (line) {
		memcpy(line, s, len);
		memcpy(line + len, "\n", 2);
		ctl_write_answer(c, line);
		free(line);
	}
	json_object_put(reply);
}

static void *ctl_client_thread(void *arg)
{
	struct ctl_client *cl = arg;
	char buf[CTL_MAX_LINE + 2];
	size_t len;

	len = ctl_read_request(cl->fd, buf, sizeof(buf));
	ctl_answer(cl->fd, ctl_request(cl->ctl, buf, len));
	close(cl->fd);
	pthread_mutex_lock(&cl->ctl->lock);
	cl->done = true;
	pthread_mutex_unlock(&cl->ctl->lock);
	return NULL;
}

/* Join the clients that finished; returns a free slot or NULL. */
static struct ctl_client *ctl_reap(struct ctl *ctl)
{
	struct ctl_client *slot = NULL;

	for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &ctl->clients[i];
		bool done;

		pthread_mutex_lock(&ctl->lock);
		done = cl->used && cl->done;
		pthread_mutex_unlock(&ctl->lock);
		if (done) {
			pthread_join(cl->thread, NULL);
			cl->used = false;
		}
		if (!cl->used && !slot)
			slot = cl;
	}
	return slot;
}

/* Is user @uid (primary group @gid) a member of group @want? */
static bool ctl_user_in_group(uid_t uid, gid_t gid, gid_t want)
{
	struct passwd pw, *res = NULL;
	gid_t groups[64];
	int n = 64;
	char buf[4096];

	if (gid == want)
		return true;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res ||
	    getgrouplist(pw.pw_name, gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == want)
			return true;
	return false;
}

/* Root, ovb-host's own user and the --ctl-group; the socket's mode says the same. */
static bool ctl_peer_allowed(struct ctl *ctl, int c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred))
		return false;
	return cred.uid == 0 || cred.uid == geteuid() ||
	       (ctl->has_group && ctl_user_in_group(cred.uid, cred.gid, ctl->gid));
}

static int ctl_group_id(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096], *end;
	unsigned long n;

	if (!getgrnam_r(name, &gr, buf, sizeof(buf), &res) && res) {
		*gid = gr.gr_gid;
		return 0;
	}
	n = strtoul(name, &end, 10);
	if (!*name || *end)
		return -1;
	*gid = (gid_t)n;
	return 0;
}

static void *ctl_thread(void *arg)
{
	struct ctl *ctl = arg;

	pthread_setname_np(pthread_self(), "ctl");
	for (;;) {
		int c = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
		struct ctl_client *cl;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				usleep(100 * 1000);	/* out of resources: keep serving later */
				continue;
			}
			break;		/* ctl_free shut the socket down */
		}
		if (!ctl_peer_allowed(ctl, c)) {
			log_limited("", "control socket: refused a client of another user");
			ctl_answer(c, ctl_error("permission denied"));
			close(c);
			continue;
		}
		cl = ctl_reap(ctl);
		if (!cl) {
			ctl_answer(c, ctl_error("busy: too many clients, try again"));
			close(c);
			continue;
		}
		*cl = (struct ctl_client){ .ctl = ctl, .fd = c, .used = true };
		if (pthread_create(&cl->thread, NULL, ctl_client_thread, cl)) {
			cl->used = false;
			close(c);
		}
	}
	return NULL;
}

int ctl_listen(struct ctl *ctl, const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -1;
	}
	if (group) {
		if (ctl_group_id(group, &ctl->gid)) {
			log_err("control socket: no such group '%s'", group);
			return -1;
		}
		ctl->has_group = true;
	}
	/* Replace a stale socket, never some other file. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("control socket %s: exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	strcpy(sa.sun_path, path);
	strcpy(ctl->path, path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	/* The socket is born 0600, not with whatever the umask allows. */
	old = umask(0177);
	rc = bind(ctl->fd, (void *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || (ctl->has_group && chown(path, (uid_t)-1, ctl->gid) < 0) ||
	    chmod(path, ctl->has_group ? 0660 : 0600) < 0 || listen(ctl->fd, 8) < 0)
		goto fail;
	if (pthread_create(&ctl->thread, NULL, ctl_thread, ctl))
		goto fail;
	ctl->listening = true;
	return 0;
fail:
	log_err("control socket %s: %s", path, strerror(errno));
	if (ctl->fd >= 0)
		close(ctl->fd);
	ctl->fd = -1;
	return -1;
}

void ctl_free(struct ctl *ctl)
{
	if (!ctl)
		return;
	if (ctl->listening) {
		shutdown(ctl->fd, SHUT_RDWR);
		pthread_join(ctl->thread, NULL);
		close(ctl->fd);
		unlink(ctl->path);
		/* Each client ends within its two deadlines. */
		for (unsigned int i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl->clients[i].used)
				pthread_join(ctl->clients[i].thread, NULL);
	}
	pthread_mutex_destroy(&ctl->run_lock);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
}
