/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * For the tests and the benchmark that use a libvncclient client: its
 * logger (libvncclient calls it, so it cannot be NULL), silent unless
 * OVB_TEST_VERBOSE is set, and the wait for the server's next message,
 * which looks at what libvncclient already buffered first (its
 * WaitForMessage only looks at the socket, so a message read along with
 * the previous one would wait for the next packet).
 */
#ifndef OVB_TEST_VNC_CLIENT_H
#define OVB_TEST_VNC_CLIENT_H

#include <rfb/rfbclient.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline void vnc_client_log(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("OVB_TEST_VERBOSE"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* 1 if a message is there to handle, 0 after @usecs without one, -1 on error. */
static inline int vnc_client_wait(rfbClient *cl, unsigned int usecs)
{
	return cl->buffered ? 1 : WaitForMessage(cl, usecs);
}

#endif /* OVB_TEST_VNC_CLIENT_H */
