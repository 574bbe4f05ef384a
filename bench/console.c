// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bench/console: how fast the VNC server brings a full-screen change at
 * 1024x768 to a libvncclient client over loopback, against a raw memcpy
 * of the same framebuffer (the bound of any copy). In one process: the
 * real videovsp and VNC server, the unit tests' fake guest (it draws into
 * its VRAM in the fake MMIO window and sends a dirty rectangle for the
 * whole screen), the client asking for incremental updates. A frame
 * counts when the client has its last pixel; latency is from the guest's
 * dirty rectangle to then. Then the same for a 64x64 rectangle (the
 * small-update rate). The VRAM is shared, as with a real guest: a copy
 * for the previous rectangle may already take the next frame's pixels, so
 * small updates can look faster than their messages. On a loaded host
 * the numbers move by 2x between runs. Not part of make check:
 *
 *     build/bench/console [SECONDS] [ENCODING]    (2 s, raw)
 */
#include <errno.h>
#include <rfb/rfbclient.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hostside/console/vnc.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/videovsp/videovsp.h"
#include "lib/ring.h"
#include "tests/unit/devenv.h"
#include "tests/unit/vnc_client.h"

#define W	1024
#define H	768
#define PITCH	(W * 4)

int log_verbose;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bench {
	struct devenv e;
	struct vmbus_device *dev;
	struct fg_chan g;
	uint8_t buf[4096];
};

static void guest_send(struct bench *b, uint32_t type, const void *body, uint32_t len)
{
	uint8_t m[sizeof(struct synthvid_hdrs) + 64];
	struct synthvid_hdrs h = { { SYNTHVID_PIPE_DATA, 8 + len }, { type, 8 + len } };
	ovb_bool sig;
	uint64_t one = 1;
	int ret;

	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), body, len);
	/* A full ring (the host's worker is behind): wait for room, as a guest would. */
	for (int i = 0; i < 50000; i++) {
		ret = ovb_ring_tx_inband(&b->g.tx, OVB_VMPKT_DATA_INBAND, 0, 1, m,
					 (uint32_t)sizeof(h) + len, &sig);
		if (ret != -EAGAIN)
			break;
		usleep(100);
	}
	if (ret || write(b->g.fd, &one, sizeof(one)) != sizeof(one)) {
		fprintf(stderr, "console bench: cannot send to the host (%d)\n", ret);
		exit(1);
	}
}

static void guest_wait(struct bench *b)
{
	uint64_t tid;

	if (!fg_chan_recv(&b->g, b->buf, sizeof(b->buf), &tid, 3000)) {
		fprintf(stderr, "console bench: no answer from videovsp\n");
		exit(1);
	}
}

/* The guest as hyperv_drm: 3.5, VRAM in the window, 1024x768x32. */
static void setup(struct bench *b)
{
	struct synthvid_version_req ver = { SYNTHVID_VERSION_WIN10 };
	struct synthvid_vram_location vram = { 1, 1, FG_MMIO_BASE };
	struct synthvid_situation_update situ = { 2, 1, { { 1, 0, 32, W, H, PITCH } } };

	b->e.fg = fg_new();
	b->e.srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, b->e.fg, 2);
	b->dev = videovsp_new(0, 4);
	if (!b->e.fg || !b->e.srv || !b->dev || vmbus_server_add_device(b->e.srv, b->dev) ||
	    devenv_connect(&b->e, 0x50002) != 1 ||
	    fg_chan_init(b->e.fg, &b->g, devenv_open(&b->e, 1, 1), 4, 0x10001)) {
		fprintf(stderr, "console bench: no video device\n");
		exit(1);
	}
	guest_send(b, SYNTHVID_VERSION_REQUEST, &ver, sizeof(ver));
	guest_wait(b);
	guest_send(b, SYNTHVID_VRAM_LOCATION, &vram, sizeof(vram));
	guest_wait(b);	/* the ACK */
	guest_wait(b);	/* FEATURE_CHANGE: dirty rectangles wanted */
	guest_send(b, SYNTHVID_SITUATION_UPDATE, &situ, sizeof(situ));
	guest_wait(b);
}

/* Frame @n in @r: every pixel there changes from frame to frame. */
static void draw(uint32_t *fb, uint32_t n, const struct synthvid_rect *r)
{
	uint32_t c = (n * 0x9e3779b1u) & 0xffffff;

	for (uint32_t y = (uint32_t)r->y1; y < (uint32_t)r->y2; y++)
		for (size_t i = (size_t)y * W + (uint32_t)r->x1; i < (size_t)y * W + (uint32_t)r->x2;
		     i++)
			fb[i] = c ^ (uint32_t)i;
}

static bool client_has(rfbClient *cl, uint32_t n)
{
	uint32_t want = ((n * 0x9e3779b1u) & 0xffffff) ^ (uint32_t)((size_t)W * H - 1);
	const uint8_t *p = cl->frameBuffer + ((size_t)W * H - 1) * 4;	/* R, G, B, X */

	return cl->width == W && cl->height == H &&
	       ((uint32_t)p[0] << 16 | p[1] << 8 | p[2]) == want;
}

/* Handle the server's messages until the client has frame @n (or 5 s passed). */
static int client_wait(rfbClient *cl, uint32_t n);

/*
 * Changes of @r (which holds the screen's last pixel) for @secs: frames/s,
 * mean and worst latency from the guest's dirty rectangle to the client
 * having the pixels.
 */
static int run(struct bench *b, rfbClient *cl, uint32_t *vram, uint32_t *n,
	       const struct synthvid_rect *r, double secs, double *fps, double *lat,
	       double *lat_max)
{
	uint8_t dirt[2 + 16] = { 0, 1 };
	unsigned int frames = 0;
	double t0 = now_s(), t;

	memcpy(dirt + 2, r, sizeof(*r));
	*lat = *lat_max = 0;
	do {
		double t1;

		draw(vram, ++*n, r);
		t1 = now_s();
		guest_send(b, SYNTHVID_DIRT, dirt, sizeof(dirt));
		if (client_wait(cl, *n)) {
			fprintf(stderr, "console bench: frame %u never came\n", *n);
			return -1;
		}
		t = now_s();
		*lat += t - t1;
		*lat_max = t - t1 > *lat_max ? t - t1 : *lat_max;
		frames++;
	} while (t - t0 < secs);
	*fps = frames / (t - t0);
	*lat /= frames;
	return 0;
}

static int client_wait(rfbClient *cl, uint32_t n)
{
	double until = now_s() + 5;

	while (!client_has(cl, n)) {
		int r = vnc_client_wait(cl, 100000);

		if (r < 0 || (r > 0 && !HandleRFBServerMessage(cl)) || now_s() > until)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	char *enc = argc > 2 ? argv[2] : "raw";
	struct bench *b = calloc(1, sizeof(*b));
	struct json_object *st = json_object_new_object(), *v;
	char *cargv[] = { "bench", NULL };
	int cargc = 1;
	struct console_vnc *vnc;
	uint32_t *vram, *copy = malloc((size_t)W * H * 4), n = 0, copies = 0;
	uint8_t dirt[2 + 16] = { 0, 1 };
	struct synthvid_rect all = { 0, 0, W, H }, small = { W - 64, H - 64, W, H };
	double t0, t, lat, lat_max, vnc_fps, copy_fps, small_fps, small_lat, small_max;
	rfbClient *cl;

	if (!b || !copy || secs <= 0)
		return 1;
	setup(b);
	vram = fg_mmio(b->e.fg, FG_MMIO_BASE);
	memcpy(dirt + 2, &all, sizeof(all));
	vnc = console_vnc_start("127.0.0.1:0", b->dev);
	if (!vnc)
		return 1;
	console_vnc_status(vnc, st);
	json_object_object_get_ex(st, "listen", &v);
	rfbClientLog = rfbClientErr = vnc_client_log;
	cl = rfbGetClient(8, 3, 4);
	free(cl->serverHost);
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = atoi(json_object_get_string(v) + 10);
	cl->appData.encodingsString = enc;
	cl->appData.enableJPEG = FALSE;
	if (!rfbInitClient(cl, &cargc, cargv)) {
		fprintf(stderr, "console bench: the client cannot connect\n");
		return 1;
	}
	draw(vram, n, &all);
	guest_send(b, SYNTHVID_DIRT, dirt, sizeof(dirt));
	if (client_wait(cl, n))
		return 1;

	/* The VNC path: guest draws, says so, the client gets it. */
	if (run(b, cl, vram, &n, &all, secs, &vnc_fps, &lat, &lat_max) ||
	    run(b, cl, vram, &n, &small, secs, &small_fps, &small_lat, &small_max))
		return 1;
	/* The bound: the guest draws and one memcpy takes the frame. */
	t0 = now_s();
	do {
		draw(vram, ++n, &all);
		memcpy(copy, vram, (size_t)W * H * 4);
		copies++;
		t = now_s();
	} while (t - t0 < secs);
	copy_fps = copies / (t - t0);

	printf("console bench, %dx%d full-screen changes, encoding %s, loopback:\n", W, H, enc);
	printf("  VNC (videovsp damage -> libvncserver -> libvncclient): %.1f frames/s, "
	       "latency %.2f ms mean, %.2f ms max\n", vnc_fps, lat * 1e3, lat_max * 1e3);
	printf("  draw + memcpy of the framebuffer:                      %.1f frames/s\n",
	       copy_fps);
	printf("  ratio VNC / memcpy: %.3f\n", vnc_fps / copy_fps);
	printf("  64x64 changes over VNC: %.1f updates/s, latency %.2f ms mean, %.2f ms max\n",
	       small_fps, small_lat * 1e3, small_max * 1e3);

	free(cl->frameBuffer);
	rfbClientCleanup(cl);
	json_object_put(st);
	console_vnc_stop(vnc);
	vmbus_server_remove_device(b->e.srv, b->dev);
	videovsp_free(b->dev);
	vmbus_server_free(b->e.srv);
	fg_free(b->e.fg);
	free(copy);
	free(b);
	return 0;
}
