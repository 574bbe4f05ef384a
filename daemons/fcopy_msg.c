// SPDX-License-Identifier: GPL-2.0 OR MIT
/* ovb-fcopyd's message parser (fcopy_msg.h). */
#include "daemons/fcopy_msg.h"

#include <string.h>

#include "daemons/daemon.h"

int fcopy_parse(const void *msg, size_t len, struct fcopy_req *r)
{
	const uint8_t *m = msg;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(r->op))
		return -1;
	memcpy(&r->op, m, sizeof(r->op));
	switch (r->op) {
	case IC_FCOPY_START: {
		struct fcopy_start s;

		if (len < sizeof(s))
			return -1;
		memcpy(&s, m, sizeof(s));
		if (!ovbd_field_str(s.file_name, sizeof(s.file_name), r->file, sizeof(r->file)) ||
		    !ovbd_field_str(s.path_name, sizeof(s.path_name), r->path, sizeof(r->path)))
			return -1;
		r->flags = s.copy_flags;
		r->size = s.file_size;
		return 0;
	}
	case IC_FCOPY_WRITE: {
		const size_t data_off = offsetof(struct fcopy_write, data);
		struct fcopy_write w;

		if (len < data_off)
			return -1;
		memcpy(&w, m, data_off);
		if (w.size > IC_FCOPY_FRAGMENT || len < data_off + w.size)
			return -1;
		if (w.offset > UINT64_MAX - w.size)
			return -1;
		r->offset = w.offset;
		r->len = w.size;
		r->data = m + data_off;
		return 0;
	}
	case IC_FCOPY_COMPLETE:
	case IC_FCOPY_CANCEL:
		return 0;
	}
	return -1;
}
