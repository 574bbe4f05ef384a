/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * PC set-1 scan codes (what the synthetic keyboard carries) for text,
 * key names and X11 keysyms (VNC), US layout. A non-extended set-1 make
 * code equals the Linux key code (KEY_A is 0x1e).
 */
#ifndef OVB_INPUTVSP_SCANCODES_H
#define OVB_INPUTVSP_SCANCODES_H

#include <stdbool.h>
#include <stdint.h>

struct scancode {
	uint8_t code;		/* make code; 0: none */
	bool e0;		/* an 0xE0-prefixed (extended) key */
};

#define SC_LSHIFT	0x2a
#define SC_LCTRL	0x1d
#define SC_LALT		0x38

/* @c typed on a US keyboard: its key, and whether Shift must be held. -1 if none. */
int scancode_of_char(char c, struct scancode *sc, bool *shift);
/* "ctrl", "alt", "shift", "delete", "enter", "f1", ..., or one character. -1 if unknown. */
int scancode_of_name(const char *name, struct scancode *sc);
/* An X11 keysym as a VNC client sends it (the client sends Shift itself). -1 if none. */
int scancode_of_keysym(uint32_t keysym, struct scancode *sc);

/*
 * A key as QEMU's extended key event names it: the XT (set-1) make code,
 * with bit 7 set for an 0xE0-prefixed key (0x9d: right Ctrl); 0xE0xx is
 * taken too. The key's place, whatever the client's layout. -1 if none.
 */
int scancode_of_xt(uint32_t keycode, struct scancode *sc);

#endif /* OVB_INPUTVSP_SCANCODES_H */
