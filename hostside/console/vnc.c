// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VNC server (vnc.h). libvncserver's own listeners stay off (port 0,
 * no IPv6, no HTTP): ovb-host listens itself, so a Unix socket works and
 * nothing listens on an address nobody asked for. The server thread
 * loops: accept new clients, let libvncserver serve the clients for up to
 * VNC_POLL_US, copy the guest's damage into the framebuffer and mark it
 * modified, so clients get only changed rectangles. A mode change gets a
 * new framebuffer (rfbNewFramebuffer tells the clients the new size).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostside/console/console.h"
#include "hostside/console/vnc.h"
#include "hostside/inputvsp/inputvsp.h"
#include "hostside/log.h"
#include "hostside/videovsp/videovsp.h"

/* How long libvncserver waits for client traffic per loop: the update latency bound. */
#define VNC_POLL_US	5000
#define VNC_MAX_ACCEPT	8	/* new clients per loop */

struct console_vnc {
	struct vmbus_device *video;
	rfbScreenInfoPtr screen;
	uint32_t *fb;
	uint32_t width, height;
	bool full;			/* copy everything next time */
	int listen_fd;
	char where[128];		/* "127.0.0.1:5900" or "unix:/path" */
	char unix_path[108];
	pthread_t thread;
	volatile bool stop;
	pthread_mutex_t lock;		/* clients, updates */
	unsigned int clients;
	uint64_t updates;		/* rectangles marked modified */
};

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

int console_vnc_check_spec(const char *spec)
{
	struct sockaddr_in sa;

	if (!strncmp(spec, "unix:", 5)) {
		if (spec[5] && strlen(spec + 5) < sizeof(((struct sockaddr_un *)0)->sun_path))
			return 0;
	} else if (!parse_tcp(spec, &sa)) {
		return 0;
	}
	log_err("bad --vnc '%s' (" VNC_SPEC ")", spec);
	return -1;
}

static int vnc_listen(struct console_vnc *v, const char *spec)
{
	int fd;

	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un su = { .sun_family = AF_UNIX };

		snprintf(su.sun_path, sizeof(su.sun_path), "%s", spec + 5);
		snprintf(v->unix_path, sizeof(v->unix_path), "%s", spec + 5);
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

static enum rfbNewClientAction vnc_new_client(rfbClientPtr cl)
{
	struct console_vnc *v = cl->screen->screenData;

	cl->clientGoneHook = vnc_client_gone;
	pthread_mutex_lock(&v->lock);
	v->clients++;
	pthread_mutex_unlock(&v->lock);
	return RFB_CLIENT_ACCEPT;
}

static void vnc_accept(struct console_vnc *v)
{
	for (int i = 0; i < VNC_MAX_ACCEPT; i++) {
		int fd = accept4(v->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			return;
		/* libvncserver makes it non-blocking and owns it from here. */
		if (!rfbNewClient(v->screen, fd))
			log_io("vnc: a client's handshake failed");
	}
}

/* VNC keys: X11 keysyms to set-1 scan codes for the synthetic keyboard. */
static void vnc_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
	struct vmbus_device *kbd = console_keyboard();
	struct scancode sc;

	(void)cl;
	if (kbd && !scancode_of_keysym((uint32_t)keysym, &sc))
		(void)inputvsp_key(kbd, sc, down);
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

static void vnc_update(struct console_vnc *v)
{
	struct synthvid_box box;
	uint32_t w, h;
	int ret;

	ret = videovsp_copy_damage(v->video, v->fb, v->width, v->height, v->full, &box, &w, &h);
	if (ret == -EAGAIN) {
		if (vnc_resize(v, w, h))
			return;
		ret = videovsp_copy_damage(v->video, v->fb, v->width, v->height, true, &box, &w,
					   &h);
	}
	if (ret || box.x1 == box.x2)
		return;
	v->full = false;
	rfbMarkRectAsModified(v->screen, (int)box.x1, (int)box.y1, (int)box.x2, (int)box.y2);
	pthread_mutex_lock(&v->lock);
	v->updates++;
	pthread_mutex_unlock(&v->lock);
}

static void *vnc_thread(void *arg)
{
	struct console_vnc *v = arg;

	while (!v->stop) {
		vnc_accept(v);
		rfbProcessEvents(v->screen, VNC_POLL_US);
		vnc_update(v);
	}
	return NULL;
}

struct console_vnc *console_vnc_start(const char *spec, struct vmbus_device *video)
{
	struct console_vnc *v = calloc(1, sizeof(*v));
	int argc = 0;

	if (!v)
		return NULL;
	rfbLog = rfbErr = vnc_log;
	v->video = video;
	v->listen_fd = -1;
	v->width = 640;
	v->height = 480;
	v->fb = calloc((size_t)v->width * v->height, 4);
	pthread_mutex_init(&v->lock, NULL);
	if (!v->fb || vnc_listen(v, spec))
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
	/* No cursor drawn into the picture: the guest draws its own. */
	v->screen->cursor = NULL;
	vnc_pixel_format(v->screen);
	rfbInitServer(v->screen);
	v->full = true;
	if (pthread_create(&v->thread, NULL, vnc_thread, v)) {
		log_err("vnc: cannot start its thread");
		goto fail;
	}
	log_info("vnc: listening at %s", v->where);
	return v;
fail:
	if (v->screen) {
		rfbShutdownServer(v->screen, TRUE);
		rfbScreenCleanup(v->screen);
	}
	if (v->listen_fd >= 0)
		close(v->listen_fd);
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
	rfbShutdownServer(v->screen, TRUE);
	rfbScreenCleanup(v->screen);
	close(v->listen_fd);
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
	pthread_mutex_unlock(&v->lock);
}
