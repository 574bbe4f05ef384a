// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the host's parser of the guest's KVP answers
 * (hostside/icvsp/kvp.c kvp_parse_answer: sizes, UTF-16 with surrogates,
 * value types, the IP message) and its request encoder (UTF-8 from ctl
 * arguments). Input: byte 0 picks the operation the host asked (and,
 * bit 7, whether the status is OK); the rest is the answer's body, also
 * used as a NUL-terminated key and value to encode, and as `ip set`'s
 * arguments (kvp_ipset.c), whose accepted requests must encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/icvsp/kvp.h"

int log_verbose;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvp_req req;
	static struct kvp_result res;
	static uint8_t wire[sizeof(struct kvp_ip_msg)];
	uint8_t *body;
	size_t n;

	if (!size || size > 16384)
		return 0;
	memset(&req, 0, sizeof(req));
	req.op = (uint8_t)((data[0] & 0x7f) % 6);
	req.pool = (uint8_t)((data[0] >> 3) % 6);	/* 5: out of range */
	/* An exact-size copy, so ASan sees any read past the answer. */
	body = malloc(size - 1 ? size - 1 : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	(void)kvp_parse_answer(&req, data[0] & 0x80 ? IC_KVP_S_CONT : IC_STATUS_OK, body,
			       (uint32_t)(size - 1), &res);
	n = size - 1 < sizeof(req.key) - 1 ? size - 1 : sizeof(req.key) - 1;
	memcpy(req.key, data + 1, n);
	n = size - 1 < sizeof(req.value) - 1 ? size - 1 : sizeof(req.value) - 1;
	memcpy(req.value, data + 1, n);
	(void)kvp_build_request(&req, wire, sizeof(wire));
	/* `ip set`'s arguments (a ctl line) as a SET_IP_INFO request, then encoded */
	if (size - 1 < 1024) {
		static char line[1024];
		const char *err;

		memcpy(line, data + 1, size - 1);
		line[size - 1] = '\0';
		if (!kvp_parse_ipset(line, &req, &err)) {
			if (req.op != IC_KVP_OP_SET_IP_INFO || !req.key[0] ||
			    (!req.ipset.addrs[0] && !req.ipset.dhcp) ||
			    strlen(req.ipset.addrs) >= IC_KVP_MAX_IP_ADDR ||
			    strlen(req.ipset.gateways) >= IC_KVP_MAX_GATEWAY)
				abort();
			/* what the parser vouched for always fits the wire */
			if (kvp_build_request(&req, wire, sizeof(wire)) != (int)sizeof(struct kvp_ip_msg))
				abort();
		} else if (!err) {
			abort();
		}
	}
	free(body);
	return 0;
}
