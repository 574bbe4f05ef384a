/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VNC server (libvncserver, GPL-2.0-or-later: README "Console"). It
 * listens on its own socket — a TCP address (loopback unless told
 * otherwise) or a Unix socket, which libvncserver 0.9.14 cannot do — and
 * hands each client to libvncserver, which also speaks WebSocket on the
 * same port (noVNC). One thread runs it: it serves the clients and copies
 * only what the guest marked damaged (videovsp_copy_damage) into the
 * framebuffer libvncserver encodes from. Options: a password (read from
 * a file) and noVNC's files over HTTP on the same port (vnc_web.h).
 */
#ifndef OVB_CONSOLE_VNC_H
#define OVB_CONSOLE_VNC_H

struct json_object;
struct vmbus_device;
struct console_vnc;

#define VNC_SPEC	"ADDR:PORT (IPv4; PORT 0: any free one) or unix:PATH, then options: " \
			",password-file=FILE (VNC authentication), ,web (noVNC's files from " \
			"/usr/share/novnc over HTTP on the same port) or ,web=DIR"

/* Is @spec good? 0, or -1 (logged). */
int console_vnc_check_spec(const char *spec);
/* Listen at @spec and serve @video's screen. NULL (logged) on failure. */
struct console_vnc *console_vnc_start(const char *spec, struct vmbus_device *video);
void console_vnc_stop(struct console_vnc *v);
/*
 * Read the password again from its file, or from @path (absolute) if not
 * NULL or empty; new clients need the new one. Only for a server started
 * with a password. 0, or -1 with *@err saying why. Any thread.
 */
int console_vnc_reload_password(struct console_vnc *v, const char *path, const char **err);
/* Where it listens and how many clients it has. Any thread. */
void console_vnc_status(struct console_vnc *v, struct json_object *e);

#endif /* OVB_CONSOLE_VNC_H */
