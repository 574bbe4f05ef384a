// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Scan code tables (scancodes.h). Set-1 codes from the IBM PC/AT
 * keyboard's scan code set 1 as Linux's atkbd translates them
 * (drivers/input/keyboard/atkbd.c, include/uapi/linux/input-event-codes.h:
 * KEY_x values are the set-1 codes); keysyms from X11's keysymdef.h.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "hostside/inputvsp/scancodes.h"

/* The printable ASCII characters: unshifted row, shifted row, and their code. */
static const struct { char plain, shifted; uint8_t code; } sc_chars[] = {
	{ '1', '!', 0x02 }, { '2', '@', 0x03 }, { '3', '#', 0x04 }, { '4', '$', 0x05 },
	{ '5', '%', 0x06 }, { '6', '^', 0x07 }, { '7', '&', 0x08 }, { '8', '*', 0x09 },
	{ '9', '(', 0x0a }, { '0', ')', 0x0b }, { '-', '_', 0x0c }, { '=', '+', 0x0d },
	{ 'q', 'Q', 0x10 }, { 'w', 'W', 0x11 }, { 'e', 'E', 0x12 }, { 'r', 'R', 0x13 },
	{ 't', 'T', 0x14 }, { 'y', 'Y', 0x15 }, { 'u', 'U', 0x16 }, { 'i', 'I', 0x17 },
	{ 'o', 'O', 0x18 }, { 'p', 'P', 0x19 }, { '[', '{', 0x1a }, { ']', '}', 0x1b },
	{ 'a', 'A', 0x1e }, { 's', 'S', 0x1f }, { 'd', 'D', 0x20 }, { 'f', 'F', 0x21 },
	{ 'g', 'G', 0x22 }, { 'h', 'H', 0x23 }, { 'j', 'J', 0x24 }, { 'k', 'K', 0x25 },
	{ 'l', 'L', 0x26 }, { ';', ':', 0x27 }, { '\'', '"', 0x28 }, { '`', '~', 0x29 },
	{ '\\', '|', 0x2b }, { 'z', 'Z', 0x2c }, { 'x', 'X', 0x2d }, { 'c', 'C', 0x2e },
	{ 'v', 'V', 0x2f }, { 'b', 'B', 0x30 }, { 'n', 'N', 0x31 }, { 'm', 'M', 0x32 },
	{ ',', '<', 0x33 }, { '.', '>', 0x34 }, { '/', '?', 0x35 }, { ' ', ' ', 0x39 },
	{ '\n', '\n', 0x1c }, { '\t', '\t', 0x0f },
};

/* Named keys, with the X11 keysyms that mean them. */
static const struct { const char *name; uint32_t keysym, keysym2; uint8_t code; bool e0; } sc_named[] = {
	{ "esc", 0xff1b, 0, 0x01, false },	{ "backspace", 0xff08, 0, 0x0e, false },
	{ "tab", 0xff09, 0, 0x0f, false },	{ "enter", 0xff0d, 0xff8d, 0x1c, false },
	{ "ctrl", 0xffe3, 0, 0x1d, false },	{ "shift", 0xffe1, 0, 0x2a, false },
	{ "rshift", 0xffe2, 0, 0x36, false },	{ "alt", 0xffe9, 0xffe7, 0x38, false },
	{ "space", 0x0020, 0, 0x39, false },	{ "capslock", 0xffe5, 0, 0x3a, false },
	{ "f1", 0xffbe, 0, 0x3b, false },	{ "f2", 0xffbf, 0, 0x3c, false },
	{ "f3", 0xffc0, 0, 0x3d, false },	{ "f4", 0xffc1, 0, 0x3e, false },
	{ "f5", 0xffc2, 0, 0x3f, false },	{ "f6", 0xffc3, 0, 0x40, false },
	{ "f7", 0xffc4, 0, 0x41, false },	{ "f8", 0xffc5, 0, 0x42, false },
	{ "f9", 0xffc6, 0, 0x43, false },	{ "f10", 0xffc7, 0, 0x44, false },
	{ "f11", 0xffc8, 0, 0x57, false },	{ "f12", 0xffc9, 0, 0x58, false },
	{ "rctrl", 0xffe4, 0, 0x1d, true },	{ "ralt", 0xffea, 0xfe03, 0x38, true },
	{ "home", 0xff50, 0, 0x47, true },	{ "up", 0xff52, 0, 0x48, true },
	{ "pageup", 0xff55, 0, 0x49, true },	{ "left", 0xff51, 0, 0x4b, true },
	{ "right", 0xff53, 0, 0x4d, true },	{ "end", 0xff57, 0, 0x4f, true },
	{ "down", 0xff54, 0, 0x50, true },	{ "pagedown", 0xff56, 0, 0x51, true },
	{ "insert", 0xff63, 0, 0x52, true },	{ "delete", 0xffff, 0, 0x53, true },
	{ "super", 0xffeb, 0, 0x5b, true },
	{ "del", 0, 0, 0x53, true },		{ "control", 0, 0, 0x1d, false },
	{ "escape", 0, 0, 0x01, false },	{ "return", 0, 0, 0x1c, false },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int scancode_of_char(char c, struct scancode *sc, bool *shift)
{
	for (size_t i = 0; i < NELEM(sc_chars); i++) {
		if (c == sc_chars[i].plain || c == sc_chars[i].shifted) {
			sc->code = sc_chars[i].code;
			sc->e0 = false;
			*shift = c != sc_chars[i].plain;
			return 0;
		}
	}
	return -1;
}

int scancode_of_name(const char *name, struct scancode *sc)
{
	bool shift;

	for (size_t i = 0; i < NELEM(sc_named); i++) {
		if (!strcasecmp(name, sc_named[i].name)) {
			sc->code = sc_named[i].code;
			sc->e0 = sc_named[i].e0;
			return 0;
		}
	}
	/* One character names its key (unshifted: "a", "1", "/"). */
	if (name[0] && !name[1] && name[0] != '\n' && name[0] != '\t')
		return scancode_of_char(name[0], sc, &shift);
	return -1;
}

int scancode_of_keysym(uint32_t keysym, struct scancode *sc)
{
	bool shift;

	for (size_t i = 0; i < NELEM(sc_named); i++) {
		if ((sc_named[i].keysym && keysym == sc_named[i].keysym) ||
		    (sc_named[i].keysym2 && keysym == sc_named[i].keysym2)) {
			sc->code = sc_named[i].code;
			sc->e0 = sc_named[i].e0;
			return 0;
		}
	}
	/* Latin-1 printable keysyms are their character. */
	if (keysym > 0x20 && keysym < 0x7f)
		return scancode_of_char((char)keysym, sc, &shift);
	return -1;
}

int scancode_of_xt(uint32_t keycode, struct scancode *sc)
{
	uint32_t code = keycode & 0x7f;

	/* 0xE0xx as well, which some clients send for the same key. */
	if ((keycode & ~0x7fu) == 0xe000)
		keycode = 0x80 | code;
	/* No code, a break code in the low byte or anything wider: not a key. */
	if (!code || keycode > 0xff)
		return -1;
	sc->code = (uint8_t)code;
	sc->e0 = keycode & 0x80;
	return 0;
}
