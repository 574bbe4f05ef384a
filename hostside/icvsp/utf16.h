/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * UTF-8 (ctl arguments, JSON) <-> UTF-16LE (the ICs' wire strings: KVP
 * keys and values, fcopy names). Both reject what is not valid: overlong
 * or surrogate UTF-8, lone surrogates in UTF-16.
 */
#ifndef OVB_ICVSP_UTF16_H
#define OVB_ICVSP_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* @s as NUL-terminated UTF-16LE into @out (@size bytes); bytes written (NUL included) or -1. */
int utf8_to_utf16(const char *s, uint8_t *out, uint32_t size);
/*
 * The peer's UTF-16LE string in @in (at most @bytes, up to its NUL) as
 * UTF-8 into @out. 0, or -1 for a lone surrogate or no room.
 */
int utf16_to_utf8(const uint8_t *in, uint32_t bytes, char *out, size_t size);

#endif /* OVB_ICVSP_UTF16_H */
