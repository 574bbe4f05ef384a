/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * noVNC's static files over HTTP on the VNC port itself (--vnc-web DIR):
 * the VNC server (vnc.c) tells a browser's plain GET from an RFB client
 * or a WebSocket upgrade and hands the connection here. GET only, one
 * request per connection; a path with '..', a NUL or a control character
 * is refused, and files are opened beneath DIR only (openat2's
 * RESOLVE_BENEATH: no symlink leads out of it). libvncserver's own httpd
 * is not used: it listens on a port of its own.
 */
#ifndef OVB_CONSOLE_VNC_WEB_H
#define OVB_CONSOLE_VNC_WEB_H

#include <stdbool.h>
#include <stddef.h>

/* Debian's novnc package: what --vnc ...,web serves. */
#define VNC_WEB_DEFAULT_DIR	"/usr/share/novnc"
/* The longest request head read (request line and headers). */
#define VNC_WEB_MAX_HEAD	4096

/*
 * Does this start of a connection (@n bytes peeked) look like a browser's
 * GET for a file, not a WebSocket upgrade? 1 yes, 0 no (an RFB or
 * WebSocket client), -1 not known yet (the head is incomplete).
 */
int vnc_web_is_file_request(const char *buf, size_t n);

/*
 * The request target @target (up to a space) as a path relative to DIR in
 * @out: query and fragment dropped, %XX decoded, "/" -> "vnc.html". 0, or
 * -1 if it is refused (no leading '/', '..', empty or too long).
 */
int vnc_web_path(const char *target, size_t len, char *out, size_t outlen);

/* The Content-Type for @path's extension. */
const char *vnc_web_content_type(const char *path);

/*
 * Serve one request on @fd from the directory @dirfd, then close @fd:
 * 5 s for the request head, 60 s for everything (a client that trickles
 * bytes holds the thread no longer).
 */
void vnc_web_serve(int dirfd, int fd);

#endif /* OVB_CONSOLE_VNC_WEB_H */
