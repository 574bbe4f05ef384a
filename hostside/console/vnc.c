// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VNC server (vnc.h). libvncserver's own listeners stay off (port 0,
 * no IPv6, no HTTP): ovb-host listens itself, so a Unix socket works and
 * nothing listens on an address nobody asked for. The server thread
 * loops: accept new clients, let libvncserver serve the clients for up to
 * VNC_POLL_US (the guest's changes, through videovsp's eventfd, and new
 * connections wake it sooner), copy the guest's damage into the
 * framebuffer and mark it modified, so clients get only changed
 * rectangles, at once (no wait when something was marked, no deferral in
 * libvncserver). A mode change gets a new framebuffer (rfbNewFramebuffer
 * tells the clients the new size). The guest's pointer shape is the
 * clients' cursor (vnc_cursor.c).
 *
 * With a web directory, a new connection waits (VNC_CLASSIFY_MS at most,
 * in a pending list the loop polls, never blocking it) until it shows what
 * it is: a browser's GET for a file goes to vnc_web.c on a thread of its
 * own; an RFB client (which sends nothing first) or a WebSocket upgrade
 * goes to libvncserver.
 *
 * QEMU's extended key event (a client that announces pseudo-encoding
 * -258 sends message 255, subtype 0, with the key's XT scan code) is an
 * rfbProtocolExtension: libvncserver 0.9.14 knows the numbers but does
 * not handle the message. The guest gets the key's place, not a keysym
 * turned into a US key, so the client's layout survives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hostside/console/console.h"
#include "hostside/console/vnc.h"
#include "hostside/console/vnc_cursor.h"
#include "hostside/console/vnc_web.h"
#include "hostside/inputvsp/inputvsp.h"
#include "hostside/log.h"
#include "hostside/videovsp/videovsp.h"

/*
 * How long libvncserver waits for client traffic per loop when nothing
 * happens: the guest's changes (videovsp's eventfd) and new connections
 * wake it sooner, being in its select set too.
 */
#define VNC_POLL_US	5000
#define VNC_MAX_ACCEPT	8	/* new clients per loop */
#define VNC_MAX_PENDING	16	/* connections not yet known to be RFB or HTTP */
#define VNC_CLASSIFY_MS	150	/* silent this long: an RFB client */
#define VNC_HEAD_MS	2000	/* an HTTP head this slow is served (or refused) as it is */
#define VNC_WEB_THREADS	8	/* requests served at once */
#define VNC_PASSWORD_MAX 64
/* VNC authentication has no limit of its own: this many failures a window, then none succeed. */
#define VNC_AUTH_FAILS	5
#define VNC_AUTH_WINDOW_MS 60000

/* What --vnc's argument says: ADDR[,password-file=FILE][,web[=DIR]]. */
struct vnc_opts {
	char addr[128];
	char password_file[256];
	char web_dir[256];		/* empty: no web files */
};

/* Each client's own (cl->clientData). */
struct vnc_client {
	bool ext_key_ack;		/* it announced -258 and is yet to be told */
};

struct vnc_pending {
	int fd;
	uint64_t since_ms;
};

struct console_vnc {
	struct vmbus_device *video;
	rfbScreenInfoPtr screen;
	uint32_t *fb;
	uint32_t width, height;
	bool full;			/* copy everything next time */
	int listen_fd;
	int wake_fd;			/* eventfd: videovsp says the screen changed */
	char where[128];		/* "127.0.0.1:5900" or "unix:/path" */
	char unix_path[108];
	pthread_t thread;
	volatile bool stop;
	pthread_mutex_t lock;		/* clients, updates, web_threads */
	unsigned int clients;
	uint64_t updates;		/* rectangles marked modified */
	uint64_t ptr_seq;		/* the guest pointer last looked at */
	struct synthvid_pointer *shown;	/* and the one that is the cursor (NULL: none yet) */
	char password[VNC_PASSWORD_MAX + 1];	/* under lock once running */
	char *passwords[2];		/* rfbCheckPasswordByList's list */
	char password_file[256];
	unsigned int auth_fails;	/* in the window that began at auth_window_ms */
	uint64_t auth_window_ms;
	int web_dirfd;			/* -1: no web files */
	struct vnc_pending pending[VNC_MAX_PENDING];
	unsigned int npending;
	unsigned int web_threads;
	uint64_t web_requests;
	pthread_cond_t web_done;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_tcp(const char *spec, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int copy_opt(char *dst, size_t size, const char *v, size_t n)
{
	if (!n || n >= size)
		return -1;
	memcpy(dst, v, n);
	dst[n] = 0;
	return 0;
}

/* Split @spec into its address and options; -1 (logged) if anything is wrong. */
static int parse_opts(const char *spec, struct vnc_opts *o)
{
	const char *comma = strchr(spec, ',');
	struct sockaddr_in sa;
	struct stat st;

	memset(o, 0, sizeof(*o));
	if (copy_opt(o->addr, sizeof(o->addr), spec, comma ? (size_t)(comma - spec) : strlen(spec)))
		goto bad;
	while (comma) {
		const char *opt = comma + 1;
		size_t n;

		comma = strchr(opt, ',');
		n = comma ? (size_t)(comma - opt) : strlen(opt);
		if (n > 14 && !strncmp(opt, "password-file=", 14)) {
			if (copy_opt(o->password_file, sizeof(o->password_file), opt + 14, n - 14))
				goto bad;
		} else if (n == 3 && !strncmp(opt, "web", 3)) {
			snprintf(o->web_dir, sizeof(o->web_dir), "%s", VNC_WEB_DEFAULT_DIR);
		} else if (n > 4 && !strncmp(opt, "web=", 4)) {
			if (copy_opt(o->web_dir, sizeof(o->web_dir), opt + 4, n - 4))
				goto bad;
		} else {
			goto bad;
		}
	}
	if (!strncmp(o->addr, "unix:", 5)) {
		if (!o->addr[5] || strlen(o->addr + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			goto bad;
	} else if (parse_tcp(o->addr, &sa)) {
		goto bad;
	}
	if (o->password_file[0] && access(o->password_file, R_OK)) {
		log_err("--vnc: cannot read the password file %s: %s", o->password_file,
			strerror(errno));
		return -1;
	}
	if (o->web_dir[0] && (stat(o->web_dir, &st) || !S_ISDIR(st.st_mode))) {
		log_err("--vnc: %s is not a directory (the web files; Debian's novnc package has "
			VNC_WEB_DEFAULT_DIR ")", o->web_dir);
		return -1;
	}
	return 0;
bad:
	log_err("bad --vnc '%s' (" VNC_SPEC ")", spec);
	return -1;
}

int console_vnc_check_spec(const char *spec)
{
	struct vnc_opts o;

	return parse_opts(spec, &o);
}

/*
 * The password: the file's first line (a file, so it is in no process
 * listing). VNC authentication uses its first 8 characters only.
 */
static int read_password(struct console_vnc *v, const char *path)
{
	char buf[VNC_PASSWORD_MAX + 2] = { 0 };
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n;

	if (!f) {
		log_err("vnc: cannot open the password file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fstat(fileno(f), &st) && (st.st_mode & 0077))
		log_info("vnc: the password file %s can be read by others (chmod 600 it)", path);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	n = strcspn(buf, "\r\n");
	if (!n || n > VNC_PASSWORD_MAX) {
		log_err("vnc: the password file %s has no password on its first line (1..%d "
			"characters)", path, VNC_PASSWORD_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	if (n > 8)
		log_info("vnc: VNC authentication uses only the first 8 characters of the password");
	pthread_mutex_lock(&v->lock);
	memset(v->password, 0, sizeof(v->password));
	memcpy(v->password, buf, n);
	v->passwords[0] = v->password;
	v->passwords[1] = NULL;
	snprintf(v->password_file, sizeof(v->password_file), "%s", path);
	pthread_mutex_unlock(&v->lock);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int console_vnc_reload_password(struct console_vnc *v, const char *path, const char **err)
{
	char file[256];

	/* Turning authentication on under running clients is not libvncserver's to take. */
	if (!v->passwords[0]) {
		*err = "the VNC server has no password (start it with --vnc ...,password-file=FILE)";
		return -1;
	}
	pthread_mutex_lock(&v->lock);
	snprintf(file, sizeof(file), "%s", path && path[0] ? path : v->password_file);
	pthread_mutex_unlock(&v->lock);
	if (file[0] != '/' || read_password(v, file)) {
		*err = "cannot read a password from that file (an absolute path; 1..64 characters "
		       "on its first line)";
		return -1;
	}
	log_info("vnc: password changed (from %s)", file);
	return 0;
}

static int vnc_listen(struct console_vnc *v, const char *spec)
{
	int fd;

	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un su = { .sun_family = AF_UNIX };

		snprintf(su.sun_path, sizeof(su.sun_path), "%.107s", spec + 5);
		snprintf(v->unix_path, sizeof(v->unix_path), "%.107s", spec + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		unlink(su.sun_path);
		/* Only ovb-host's user (and root) may connect: the console is the VM's keyboard. */
		if (fd < 0 || fchmod(fd, 0600) || bind(fd, (void *)&su, sizeof(su)) ||
		    chmod(su.sun_path, 0600) || listen(fd, 4)) {
			log_err("vnc: cannot listen at %s: %s", spec, strerror(errno));
			goto fail;
		}
		snprintf(v->where, sizeof(v->where), "%s", spec);
	} else {
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);
		int one = 1;

		if (parse_tcp(spec, &sa))
			return -1;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(fd, (void *)&sa, sizeof(sa)) || listen(fd, 4) ||
		    getsockname(fd, (void *)&sa, &len)) {
			log_err("vnc: cannot listen at %s: %s", spec, strerror(errno));
			goto fail;
		}
		snprintf(v->where, sizeof(v->where), "%s:%u", inet_ntoa(sa.sin_addr),
			 ntohs(sa.sin_port));
	}
	v->listen_fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* libvncserver's log lines (clients can cause them): rate-limited, one line each. */
static void vnc_log(const char *fmt, ...)
{
	char line[256];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	log_io("vnc: %s", line);
}

/* libvncserver's shifts for the guest's 0x00RRGGBB little-endian pixels. */
static void vnc_pixel_format(rfbScreenInfoPtr s)
{
	s->serverFormat.redShift = 16;
	s->serverFormat.greenShift = 8;
	s->serverFormat.blueShift = 0;
}

static void vnc_client_gone(rfbClientPtr cl)
{
	struct console_vnc *v = cl->screen->screenData;

	pthread_mutex_lock(&v->lock);
	v->clients--;
	pthread_mutex_unlock(&v->lock);
	free(cl->clientData);
	cl->clientData = NULL;
	/*
	 * libvncserver 0.9.14 does not free a client's list of enabled
	 * extensions (our extended key event's entry): freed here, cleared.
	 */
	while (cl->extensions) {
		rfbExtensionData *e = cl->extensions;

		cl->extensions = e->next;
		free(e->data);
		free(e);
	}
#ifdef LIBVNCSERVER_WITH_WEBSOCKETS
	/*
	 * libvncserver 0.9.14 never frees a WebSocket client's context
	 * (LibVNC/libvncserver#571, fixed after it): every noVNC connection
	 * would leak one. Freed and cleared here; a fixed library sees NULL.
	 */
	free(cl->wsctx);
	cl->wsctx = NULL;
#endif
}

/*
 * The password check, with a limit on guessing: after VNC_AUTH_FAILS
 * failures within VNC_AUTH_WINDOW_MS every attempt fails, the right
 * password too, until the window is over. On the VNC thread.
 */
static rfbBool vnc_check_password(rfbClientPtr cl, const char *response, int len)
{
	struct console_vnc *v = cl->screen->screenData;
	uint64_t now = now_ms();
	rfbBool ok;

	if (now - v->auth_window_ms >= VNC_AUTH_WINDOW_MS) {
		v->auth_window_ms = now;
		v->auth_fails = 0;
	}
	if (v->auth_fails >= VNC_AUTH_FAILS) {
		log_io("vnc: authentication refused: %u failures in a minute", v->auth_fails);
		return FALSE;
	}
	pthread_mutex_lock(&v->lock);
	ok = rfbCheckPasswordByList(cl, response, len);
	pthread_mutex_unlock(&v->lock);
	if (ok)
		return TRUE;
	v->auth_fails++;
	log_io("vnc: a client gave a wrong password");
	return FALSE;
}

static enum rfbNewClientAction vnc_new_client(rfbClientPtr cl)
{
	struct console_vnc *v = cl->screen->screenData;

	cl->clientData = calloc(1, sizeof(struct vnc_client));
	if (!cl->clientData)
		return RFB_CLIENT_REFUSE;
	cl->clientGoneHook = vnc_client_gone;
	pthread_mutex_lock(&v->lock);
	v->clients++;
	pthread_mutex_unlock(&v->lock);
	return RFB_CLIENT_ACCEPT;
}

static void vnc_new_rfb_client(struct console_vnc *v, int fd)
{
	/* libvncserver makes it non-blocking and owns it from here. */
	if (!rfbNewClient(v->screen, fd))
		log_io("vnc: a client's handshake failed");
}

struct vnc_web_job {
	struct console_vnc *v;
	int fd;
};

static void *vnc_web_thread(void *arg)
{
	struct vnc_web_job *j = arg;
	struct console_vnc *v = j->v;

	vnc_web_serve(v->web_dirfd, j->fd);
	free(j);
	pthread_mutex_lock(&v->lock);
	v->web_threads--;
	pthread_cond_broadcast(&v->web_done);
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

/* A browser's file request: served on a detached thread (console_vnc_stop waits for it). */
static void vnc_web_start(struct console_vnc *v, int fd)
{
	struct vnc_web_job *j = malloc(sizeof(*j));
	pthread_attr_t attr;
	pthread_t t;
	bool busy;

	pthread_mutex_lock(&v->lock);
	busy = v->web_threads >= VNC_WEB_THREADS;
	if (!busy && j) {
		v->web_threads++;
		v->web_requests++;
	}
	pthread_mutex_unlock(&v->lock);
	if (busy || !j) {
		static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
					  "Content-Length: 0\r\nConnection: close\r\n\r\n";

		(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		free(j);
		return;
	}
	j->v = v;
	j->fd = fd;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, vnc_web_thread, j)) {
		close(fd);
		free(j);
		pthread_mutex_lock(&v->lock);
		v->web_threads--;
		pthread_mutex_unlock(&v->lock);
	}
	pthread_attr_destroy(&attr);
}

/* Is pending connection @p decided? It is handed on (or closed) and true returned. */
static bool vnc_classify(struct console_vnc *v, struct vnc_pending *p, uint64_t now)
{
	char head[VNC_WEB_MAX_HEAD];
	ssize_t n = recv(p->fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
	int kind;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		close(p->fd);
		return true;
	}
	if (n < 0)
		kind = now - p->since_ms >= VNC_CLASSIFY_MS ? 0 : -1;
	else
		kind = vnc_web_is_file_request(head, (size_t)n);
	if (kind < 0 && now - p->since_ms >= VNC_HEAD_MS)
		kind = 1;	/* a head that never ends: vnc_web refuses it */
	if (kind < 0)
		return false;
	if (kind)
		vnc_web_start(v, p->fd);
	else
		vnc_new_rfb_client(v, p->fd);
	return true;
}

static void vnc_accept(struct console_vnc *v)
{
	uint64_t now = now_ms();

	for (unsigned int i = 0; i < v->npending;) {
		if (vnc_classify(v, &v->pending[i], now))
			v->pending[i] = v->pending[--v->npending];
		else
			i++;
	}
	for (int i = 0; i < VNC_MAX_ACCEPT; i++) {
		int fd;

		/* A full pending list waits in the listen queue. */
		if (v->web_dirfd >= 0 && v->npending >= VNC_MAX_PENDING)
			return;
		fd = accept4(v->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (v->web_dirfd < 0)
			vnc_new_rfb_client(v, fd);
		else
			v->pending[v->npending++] = (struct vnc_pending){ fd, now };
	}
}

/* VNC keys: X11 keysyms to set-1 scan codes for the synthetic keyboard (US layout). */
static void vnc_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
	struct vmbus_device *kbd = console_keyboard();
	struct scancode sc;

	(void)cl;
	if (kbd && !scancode_of_keysym((uint32_t)keysym, &sc))
		(void)inputvsp_key(kbd, sc, down);
}

/*
 * The client announced -258: it is to be told that the server takes
 * extended key events, with an empty rectangle of that encoding (what
 * libvncclient and noVNC wait for before they send any). Not now: a
 * client that asked for SupportedMessages takes libvncserver's list
 * (without message 255) as the whole truth when it comes, in the first
 * update, so the rectangle goes after it (vnc_ext_key_acks).
 */
static rfbBool vnc_ext_key_enable(rfbClientPtr cl, void **data, int encoding)
{
	struct vnc_client *c = cl->clientData;

	(void)data;
	if ((uint32_t)encoding != rfbEncodingQemuExtendedKeyEvent)
		return FALSE;
	if (c)
		c->ext_key_ack = true;
	return TRUE;
}

/*
 * Send the acknowledgements due. Between rfbProcessEvents calls on the one
 * VNC thread, so no update is being written to any client meanwhile.
 */
static bool vnc_ext_key_acks(struct console_vnc *v)
{
	struct {
		rfbFramebufferUpdateMsg m;
		rfbFramebufferUpdateRectHeader r;
	} __attribute__((packed)) ack = {
		.m = { .type = rfbFramebufferUpdate, .nRects = Swap16IfLE(1) },
		.r = { .encoding = Swap32IfLE(rfbEncodingQemuExtendedKeyEvent) },
	};
	rfbClientIteratorPtr it = rfbGetClientIterator(v->screen);
	rfbClientPtr cl;
	bool sent = false;

	while ((cl = rfbClientIteratorNext(it))) {
		struct vnc_client *c = cl->clientData;

		if (!c || !c->ext_key_ack || cl->enableSupportedMessages || cl->sock < 0)
			continue;
		c->ext_key_ack = false;
		sent = true;
		if (rfbWriteExact(cl, (char *)&ack, sizeof(ack)) < 0)
			rfbCloseClient(cl);
	}
	rfbReleaseClientIterator(it);
	return sent;
}

/* Message 255 from a client that announced -258: subtype 0 is a key; anything else closes it. */
static rfbBool vnc_ext_key_message(rfbClientPtr cl, void *data, const rfbClientToServerMsg *msg)
{
	rfbQemuExtendedKeyEventMsg ke;
	struct vmbus_device *kbd = console_keyboard();
	struct scancode sc;
	int n;

	(void)data;
	if (msg->type != rfbQemuEvent)
		return FALSE;
	n = rfbReadExact(cl, (char *)&ke + 1, sz_rfbQemuExtendedKeyEventMsg - 1);
	if (n <= 0 || ke.subtype != 0) {
		if (n > 0)
			log_io("vnc: a client's QEMU message of subtype %u, closed", ke.subtype);
		rfbCloseClient(cl);
		return TRUE;
	}
	/* What libvncserver does with a view-only client's keys. */
	if (cl->viewOnly)
		return TRUE;
	/* A key the client knows no scan code for comes by its keysym. */
	if (scancode_of_xt(Swap32IfLE(ke.keycode), &sc)) {
		vnc_key(Swap16IfLE(ke.down) != 0, Swap32IfLE(ke.keysym), cl);
		return TRUE;
	}
	if (kbd)
		(void)inputvsp_key(kbd, sc, Swap16IfLE(ke.down) != 0);
	return TRUE;
}

static int vnc_ext_key_encodings[] = { (int)rfbEncodingQemuExtendedKeyEvent, 0 };

static rfbProtocolExtension vnc_ext_key = {
	.newClient = NULL,
	.pseudoEncodings = vnc_ext_key_encodings,
	.enablePseudoEncoding = vnc_ext_key_enable,
	.handleMessage = vnc_ext_key_message,
};

static void vnc_ext_key_register(void)
{
	rfbRegisterProtocolExtension(&vnc_ext_key);
}

/*
 * VNC pointer: pixels of our framebuffer to the mouse's 0..32767; RFB's
 * button mask is 1 left, 2 middle, 4 right, 8/16 wheel up/down, HID's 1
 * left, 2 right, 4 middle.
 */
static void vnc_pointer(int mask, int x, int y, rfbClientPtr cl)
{
	struct console_vnc *v = cl->screen->screenData;
	struct vmbus_device *mouse = console_mouse();
	uint8_t buttons = (uint8_t)((mask & 1) | (mask & 4 ? 2 : 0) | (mask & 2 ? 4 : 0));
	int8_t wheel = mask & 8 ? 1 : mask & 16 ? -1 : 0;

	if (mouse)
		(void)inputvsp_pointer(mouse, input_scale(x < 0 ? 0 : (uint32_t)x, v->width),
				       input_scale(y < 0 ? 0 : (uint32_t)y, v->height), buttons,
				       wheel);
	/* The cursor libvncserver draws for clients that take no cursor shape follows it. */
	rfbDefaultPtrAddEvent(mask, x, y, cl);
}

/*
 * The guest's pointer changed: its shape becomes the cursor clients draw
 * (rfbSetCursor marks it for every client), and a position the guest
 * reports goes to clients that take pointer positions.
 */
/* Would @a and @b look the same as a cursor? */
static bool same_cursor(const struct synthvid_pointer *a, const struct synthvid_pointer *b)
{
	size_t len = a->argb ? (size_t)a->width * a->height * 4 :
			       (size_t)(a->width + 7) / 8 * a->height * 2;

	if (a->visible != b->visible || (!a->visible && !b->visible))
		return a->visible == b->visible;
	return a->argb == b->argb && a->width == b->width && a->height == b->height &&
	       a->hot_x == b->hot_x && a->hot_y == b->hot_y && !memcmp(a->data, b->data, len);
}

static bool vnc_pointer_update(struct console_vnc *v)
{
	struct synthvid_pointer *p = malloc(sizeof(*p));
	rfbClientIteratorPtr it;
	rfbClientPtr cl;
	bool changed = false;

	if (!p)
		return false;
	if (!videovsp_get_pointer(v->video, &v->ptr_seq, p)) {
		free(p);
		return false;
	}
	/* Only a new look is a new cursor: a move alone sends no shape. */
	if (!v->shown || !same_cursor(p, v->shown)) {
		rfbCursorPtr c = vnc_cursor_new(p);

		if (c) {
			rfbSetCursor(v->screen, c);
			free(v->shown);
			v->shown = p;
			p = NULL;
			changed = true;
		}
	}
	if (p ? p->visible : v->shown->visible) {
		const struct synthvid_pointer *q = p ? p : v->shown;

		if ((q->x != v->screen->cursorX || q->y != v->screen->cursorY) && q->x >= 0 &&
		    q->y >= 0 && q->x < (int32_t)v->width && q->y < (int32_t)v->height) {
			LOCK(v->screen->cursorMutex);
			v->screen->cursorX = q->x;
			v->screen->cursorY = q->y;
			UNLOCK(v->screen->cursorMutex);
			it = rfbGetClientIterator(v->screen);
			while ((cl = rfbClientIteratorNext(it)))
				if (cl->enableCursorPosUpdates)
					cl->cursorWasMoved = TRUE;
			rfbReleaseClientIterator(it);
			changed = true;
		}
	}
	free(p);
	return changed;
}

/* A new framebuffer of the guest's size; the next copy fills it. */
static int vnc_resize(struct console_vnc *v, uint32_t w, uint32_t h)
{
	uint32_t *fb = calloc((size_t)w * h, 4);
	rfbClientIteratorPtr it;
	rfbClientPtr cl;

	if (!fb)
		return -1;
	rfbNewFramebuffer(v->screen, (char *)fb, (int)w, (int)h, 8, 3, 4);
	/* It may set the default format again: ours, and each client's translation from it. */
	vnc_pixel_format(v->screen);
	it = rfbGetClientIterator(v->screen);
	while ((cl = rfbClientIteratorNext(it)))
		rfbSetTranslateFunction(cl);
	rfbReleaseClientIterator(it);
	free(v->fb);
	v->fb = fb;
	v->width = w;
	v->height = h;
	v->full = true;
	return 0;
}

/* Copy the guest's damage; true if something was marked for the clients. */
static bool vnc_update(struct console_vnc *v)
{
	struct synthvid_box box;
	uint32_t w, h;
	int ret;

	ret = videovsp_copy_damage(v->video, v->fb, v->width, v->height, v->full, &box, &w, &h);
	if (ret == -EAGAIN) {
		if (vnc_resize(v, w, h))
			return false;
		ret = videovsp_copy_damage(v->video, v->fb, v->width, v->height, true, &box, &w,
					   &h);
	}
	if (ret || box.x1 == box.x2)
		return false;
	v->full = false;
	rfbMarkRectAsModified(v->screen, (int)box.x1, (int)box.y1, (int)box.x2, (int)box.y2);
	pthread_mutex_lock(&v->lock);
	v->updates++;
	pthread_mutex_unlock(&v->lock);
	return true;
}

static void *vnc_thread(void *arg)
{
	struct console_vnc *v = arg;
	bool busy = false;

	while (!v->stop) {
		uint64_t n;

		vnc_accept(v);
		/* Something new to send: libvncserver sends it now, not after a wait. */
		rfbProcessEvents(v->screen, busy ? 0 : VNC_POLL_US);
		if (read(v->wake_fd, &n, sizeof(n)) < 0) {
			/* EAGAIN: nothing from videovsp; the damage is looked at anyway. */
		}
		busy = vnc_ext_key_acks(v);
		busy |= vnc_update(v);
		busy |= vnc_pointer_update(v);
	}
	return NULL;
}

struct console_vnc *console_vnc_start(const char *spec, struct vmbus_device *video)
{
	static pthread_once_t ext_once = PTHREAD_ONCE_INIT;
	struct console_vnc *v = calloc(1, sizeof(*v));
	struct vnc_opts o;
	int argc = 0;

	if (!v)
		return NULL;
	rfbLog = rfbErr = vnc_log;
	pthread_once(&ext_once, vnc_ext_key_register);
	v->video = video;
	v->listen_fd = -1;
	v->web_dirfd = -1;
	v->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_cond_init(&v->web_done, NULL);
	if (parse_opts(spec, &o) || (o.password_file[0] && read_password(v, o.password_file)))
		goto fail;
	if (o.web_dir[0]) {
		v->web_dirfd = open(o.web_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (v->web_dirfd < 0) {
			log_err("vnc: cannot open %s: %s", o.web_dir, strerror(errno));
			goto fail;
		}
	}
	v->width = 640;
	v->height = 480;
	v->fb = calloc((size_t)v->width * v->height, 4);
	pthread_mutex_init(&v->lock, NULL);
	if (!v->fb || v->wake_fd < 0 || vnc_listen(v, o.addr))
		goto fail;
	v->screen = rfbGetScreen(&argc, NULL, (int)v->width, (int)v->height, 8, 3, 4);
	if (!v->screen)
		goto fail;
	v->screen->frameBuffer = (char *)v->fb;
	v->screen->desktopName = "ovb-host";
	v->screen->screenData = v;
	v->screen->autoPort = FALSE;
	v->screen->port = 0;
	v->screen->ipv6port = 0;
	v->screen->httpPort = 0;
	v->screen->http6Port = 0;
	v->screen->httpDir = NULL;
	v->screen->alwaysShared = TRUE;
	v->screen->newClientHook = vnc_new_client;
	v->screen->kbdAddEvent = vnc_key;
	v->screen->ptrAddEvent = vnc_pointer;
	/* No cursor until the guest gives a pointer shape (most draw their own). */
	v->screen->cursor = NULL;
	if (v->passwords[0]) {
		/* VNC authentication (DES challenge): weak, README "Console". */
		v->screen->authPasswdData = v->passwords;
		v->screen->passwordCheck = vnc_check_password;
	}
	/* Updates go out as soon as they are marked (libvncserver waits 5 ms by default). */
	v->screen->deferUpdateTime = 0;
	vnc_pixel_format(v->screen);
	rfbInitServer(v->screen);
	/* Our own fds wake its select: the guest's changes, new connections. */
	FD_SET(v->wake_fd, &v->screen->allFds);
	FD_SET(v->listen_fd, &v->screen->allFds);
	v->screen->maxFd = v->wake_fd > v->listen_fd ? v->wake_fd : v->listen_fd;
	videovsp_set_notify(video, v->wake_fd);
	v->full = true;
	if (pthread_create(&v->thread, NULL, vnc_thread, v)) {
		log_err("vnc: cannot start its thread");
		videovsp_set_notify(video, -1);
		goto fail;
	}
	log_info("vnc: listening at %s%s%s%s", v->where, v->passwords[0] ? ", password" : "",
		 v->web_dirfd >= 0 ? ", web files from " : "", v->web_dirfd >= 0 ? o.web_dir : "");
	return v;
fail:
	if (v->screen) {
		rfbShutdownServer(v->screen, TRUE);
		rfbScreenCleanup(v->screen);
	}
	if (v->listen_fd >= 0)
		close(v->listen_fd);
	if (v->web_dirfd >= 0)
		close(v->web_dirfd);
	if (v->wake_fd >= 0)
		close(v->wake_fd);
	explicit_bzero(v->password, sizeof(v->password));
	pthread_cond_destroy(&v->web_done);
	free(v->fb);
	free(v);
	return NULL;
}

void console_vnc_stop(struct console_vnc *v)
{
	if (!v)
		return;
	v->stop = true;
	pthread_join(v->thread, NULL);
	videovsp_set_notify(v->video, -1);
	close(v->wake_fd);
	free(v->shown);
	for (unsigned int i = 0; i < v->npending; i++)
		close(v->pending[i].fd);
	/* Requests being served end within their timeouts. */
	pthread_mutex_lock(&v->lock);
	while (v->web_threads)
		pthread_cond_wait(&v->web_done, &v->lock);
	pthread_mutex_unlock(&v->lock);
	rfbShutdownServer(v->screen, TRUE);
	rfbScreenCleanup(v->screen);
	close(v->listen_fd);
	if (v->web_dirfd >= 0)
		close(v->web_dirfd);
	explicit_bzero(v->password, sizeof(v->password));
	pthread_cond_destroy(&v->web_done);
	if (v->unix_path[0])
		unlink(v->unix_path);
	free(v->fb);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

void console_vnc_status(struct console_vnc *v, struct json_object *e)
{
	pthread_mutex_lock(&v->lock);
	json_object_object_add(e, "listen", json_object_new_string(v->where));
	json_object_object_add(e, "clients", json_object_new_int64(v->clients));
	json_object_object_add(e, "updates", json_object_new_int64((int64_t)v->updates));
	json_object_object_add(e, "password", json_object_new_boolean(v->passwords[0] != NULL));
	if (v->web_dirfd >= 0)
		json_object_object_add(e, "web_requests",
				       json_object_new_int64((int64_t)v->web_requests));
	pthread_mutex_unlock(&v->lock);
}
