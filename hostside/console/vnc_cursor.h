/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The guest's pointer (synthvid's shape and visibility) as libvncserver's
 * cursor: what clients that take cursor shapes (rich cursor, X cursor)
 * draw themselves, and what libvncserver draws into the picture for the
 * others. An invisible pointer, or none yet, is a 1x1 cursor with an
 * empty mask: libvncserver sends clients "no cursor" for it.
 */
#ifndef OVB_CONSOLE_VNC_CURSOR_H
#define OVB_CONSOLE_VNC_CURSOR_H

#include <rfb/rfb.h>

#include "hostside/videovsp/synthvid_proto.h"

/* A cursor libvncserver frees (every cleanup flag set), or NULL without memory. */
rfbCursorPtr vnc_cursor_new(const struct synthvid_pointer *p);

#endif /* OVB_CONSOLE_VNC_CURSOR_H */
