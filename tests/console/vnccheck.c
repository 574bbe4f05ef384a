// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vnccheck HOST:PORT WIDTH HEIGHT [SALT [SECONDS]]: connect to a VNC
 * server with libvncclient (32-bit true colour), take framebuffer updates
 * for up to SECONDS (10), and exit 0 as soon as the client's copy is
 * WIDTHxHEIGHT and every pixel is the known picture (pattern.h). Else say
 * what differed last and exit 1. Prints how long the match took.
 *
 * vnccheck --send HOST:PORT X Y: instead, act as a user: press and release
 * the key 'x', then click the left button at (X, Y), and exit 0 if the
 * server took it all.
 */
#include <rfb/rfbclient.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/console/pattern.h"

/* libvncclient's logger: it calls it, so it cannot be NULL. */
static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Pixels that differ; the first one described in @why. */
static unsigned long compare(rfbClient *cl, uint32_t w, uint32_t h, uint32_t salt, char *why,
			     size_t len)
{
	unsigned long bad = 0;

	if ((uint32_t)cl->width != w || (uint32_t)cl->height != h) {
		snprintf(why, len, "screen %dx%d, expected %ux%u", cl->width, cl->height, w, h);
		return 1;
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			/* rfbGetClient(8, 3, 4): red in byte 0, green 1, blue 2. */
			const uint8_t *p = cl->frameBuffer + ((size_t)y * w + x) * 4;
			uint32_t got = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
			uint32_t want = console_pattern(x, y, salt);

			if (got != want && !bad++)
				snprintf(why, len, "(%u,%u) is %06x, expected %06x", x, y, got, want);
		}
	}
	return bad;
}

/* Key 'x' down and up, then a left click at (@x, @y). */
static int send_input(rfbClient *cl, int x, int y)
{
	rfbBool ok = SendKeyEvent(cl, 'x', TRUE) && SendKeyEvent(cl, 'x', FALSE) &&
		     SendPointerEvent(cl, x, y, 1) && SendPointerEvent(cl, x, y, 0);

	/* Let the server read it all before the connection goes. */
	for (int i = 0; i < 5; i++)
		if ((cl->buffered ? 1 : WaitForMessage(cl, 100000)) > 0 && !HandleRFBServerMessage(cl))
			break;
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool send = argc > 1 && !strcmp(argv[1], "--send");
	rfbClient *cl;
	char why[128] = "no update came";
	uint32_t w, h, salt;
	double start, limit;
	char *host, *colon;
	int cargc = 1;
	char *cargv[] = { "vnccheck", NULL };

	if (send) {
		argv++;
		argc--;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: vnccheck HOST:PORT WIDTH HEIGHT [SALT [SECONDS]]\n");
		return 2;
	}
	host = strdup(argv[1]);
	colon = host ? strrchr(host, ':') : NULL;
	if (!colon)
		return 2;
	*colon = 0;
	w = (uint32_t)strtoul(argv[2], NULL, 0);
	h = (uint32_t)strtoul(argv[3], NULL, 0);
	salt = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 0;
	limit = argc > 5 ? strtod(argv[5], NULL) : 10;
	rfbClientLog = rfbClientErr = quiet;
	cl = rfbGetClient(8, 3, 4);
	if (!cl)
		return 1;
	cl->serverHost = host;
	cl->serverPort = atoi(colon + 1);
	/* Lossless: tight would send JPEG otherwise. */
	cl->appData.enableJPEG = FALSE;
	start = now_s();
	if (!rfbInitClient(cl, &cargc, cargv)) {
		fprintf(stderr, "vnccheck: cannot connect to %s\n", argv[1]);
		return 1;
	}
	if (send) {
		int ret = send_input(cl, (int)w, (int)h);

		free(cl->frameBuffer);
		rfbClientCleanup(cl);
		return ret;
	}
	while (now_s() - start < limit) {
		int n = (cl->buffered ? 1 : WaitForMessage(cl, 100000));

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl))) {
			fprintf(stderr, "vnccheck: the server went away\n");
			rfbClientCleanup(cl);
			return 1;
		}
		if (n > 0 && !compare(cl, w, h, salt, why, sizeof(why))) {
			printf("vnccheck: %ux%u match after %.3f s\n", w, h, now_s() - start);
			rfbClientCleanup(cl);
			return 0;
		}
	}
	fprintf(stderr, "vnccheck: %s\n", why);
	rfbClientCleanup(cl);
	return 1;
}
