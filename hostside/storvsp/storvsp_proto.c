// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VSTOR protocol, pure: one packet from the guest in, a completion
 * out. Sequence and field use follow Linux 6.1 drivers/scsi/storvsc_drv.c
 * (storvsc_channel_init, storvsc_execute_vstor_op, storvsc_on_io_completion,
 * storvsc_handle_error): every reply carries operation COMPLETE_IO and
 * status 0 for success; SRB completions carry scsi_status, srb_status
 * (ERROR | AUTOSENSE_VALID with sense in place of the CDB) and the bytes
 * transferred in data_transfer_length.
 */
#include "hostside/storvsp/storvsp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovb/ring.h"
#include "hostside/log.h"

#define STORVSP_MAX_IOV		1024
#define STORVSP_MAX_RANGES	32

static const uint16_t storvsp_versions[] = {
	OVB_VMSTOR_PROTO_VERSION_WIN10,
	OVB_VMSTOR_PROTO_VERSION_WIN8_1,
	OVB_VMSTOR_PROTO_VERSION_WIN8,
};

struct storvsp *storvsp_new(const struct ovb_guid *instance_id, unsigned int max_subchannels)
{
	/* Fixed default instance: a6d0a1c2-5d9e-4c0b-9a0e-0b5b0b5b0001 */
	static const struct ovb_guid def = { { 0xc2, 0xa1, 0xd0, 0xa6, 0x9e, 0x5d, 0x0b, 0x4c,
					       0x9a, 0x0e, 0x0b, 0x5b, 0x0b, 0x5b, 0x00, 0x01 } };
	struct storvsp *sv = calloc(1, sizeof(*sv));

	if (!sv)
		return NULL;
	{
		/*
		 * glibc's default rwlock lets readers in while a writer waits:
		 * under steady I/O on every queue, `disk remove` would wait
		 * forever. Writers first: new commands wait for the remove.
		 */
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&sv->luns_lock, &a);
		pthread_rwlockattr_destroy(&a);
	}
	pthread_mutex_init(&sv->proto_lock, NULL);
	sv->instance_id = instance_id ? *instance_id : def;
	sv->state_rl.burst = LOG_RL_STATE_BURST;
	sv->max_subchannels = max_subchannels > 64 ? 64 : max_subchannels;
	return sv;
}

void storvsp_free(struct storvsp *sv)
{
	if (!sv)
		return;
	if (sv->glue_free)
		sv->glue_free(sv);
	for (unsigned int i = 0; i < STORVSP_MAX_LUNS; i++) {
		if (sv->luns[i].d) {
			scsi_disk_free(sv->luns[i].d);
			disk_backend_close(sv->luns[i].b);
			free(sv->luns[i].path);
		}
	}
	pthread_rwlock_destroy(&sv->luns_lock);
	pthread_mutex_destroy(&sv->proto_lock);
	free(sv);
}

void storvsp_set_bus_changed_fn(struct storvsp *sv, void (*fn)(struct storvsp *sv))
{
	sv->bus_changed = fn;
}

int storvsp_disk_parse(const char *arg, struct storvsp_disk_opts *o, char *buf, size_t len)
{
	char *tok, *save = NULL;
	bool fmt_given = false;
	enum disk_format f;
	size_t n;

	memset(o, 0, sizeof(*o));
	if (!arg || snprintf(buf, len, "%s", arg) >= (int)len)
		return -EINVAL;
	tok = strtok_r(buf, ",", &save);
	if (!tok || !*tok)
		return -EINVAL;
	o->path = tok;
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro"))
			o->read_only = true;
		else if (!strcmp(tok, "direct"))
			o->direct = true;
		else if (!strncmp(tok, "serial=", 7) && tok[7] && strlen(tok + 7) <= 20)
			o->serial = tok + 7;
		else if (!strncmp(tok, "format=", 7) && !disk_format_parse(tok + 7, &f)) {
			o->format = (int)f;
			fmt_given = true;
		} else if (!strncmp(tok, "parents=", 8) && tok[8])
			o->parent_dir = tok + 8;
		else
			return -EINVAL;
	}
	n = strlen(o->path);
	if (!fmt_given && n > 4 && !strcasecmp(o->path + n - 4, ".vhd"))
		o->format = DISK_FORMAT_VHD;
	if (!fmt_given && n > 5 && !strcasecmp(o->path + n - 5, ".vhdx"))
		o->format = DISK_FORMAT_VHDX;
	return 0;
}

int storvsp_disk_add(struct storvsp *sv, int lun, const struct storvsp_disk_opts *o)
{
	struct disk_backend_opts bo = { .read_only = o->read_only, .direct = o->direct,
					.serial = o->serial, .format = (enum disk_format)o->format,
					.parent_dir = o->parent_dir };
	struct disk_backend *b;
	struct scsi_disk *d;
	int ret = -ENOSPC;
	char *path;

	if (lun >= STORVSP_MAX_LUNS)
		return -EINVAL;
	b = disk_backend_open(o->path, &bo);
	if (!b)
		return -errno;
	path = realpath(o->path, NULL);
	if (!path)
		path = strdup(o->path);
	if (!path || disk_backend_size(b) < SCSI_DISK_BLOCK_SIZE) {
		disk_backend_close(b);
		ret = path ? -EINVAL : -ENOMEM;
		free(path);
		return ret;
	}
	pthread_rwlock_wrlock(&sv->luns_lock);
	if (lun < 0) {
		for (int i = 0; i < STORVSP_MAX_LUNS; i++) {
			if (!sv->luns[i].d) {
				lun = i;
				break;
			}
		}
	} else if (sv->luns[lun].d) {
		ret = -EEXIST;
		lun = -1;
	}
	if (lun >= 0) {
		d = scsi_disk_new(b, (uint8_t)lun);
		if (d) {
			sv->luns[lun].b = b;
			sv->luns[lun].d = d;
			sv->luns[lun].path = path;
			path = NULL;
			sv->nluns++;
			ret = lun;
		} else {
			ret = -ENOMEM;
		}
	}
	pthread_rwlock_unlock(&sv->luns_lock);
	free(path);
	if (ret < 0)
		disk_backend_close(b);
	else if (sv->bus_changed)
		sv->bus_changed(sv);
	return ret;
}

int storvsp_disk_remove(struct storvsp *sv, unsigned int lun)
{
	struct storvsp_lun l = { 0 };

	if (lun >= STORVSP_MAX_LUNS)
		return -ENOENT;
	/* The write lock waits for commands in flight on any queue. */
	pthread_rwlock_wrlock(&sv->luns_lock);
	if (sv->luns[lun].d) {
		l = sv->luns[lun];
		memset(&sv->luns[lun], 0, sizeof(sv->luns[lun]));
		sv->nluns--;
	}
	pthread_rwlock_unlock(&sv->luns_lock);
	if (!l.d)
		return -ENOENT;
	scsi_disk_free(l.d);
	disk_backend_close(l.b);
	free(l.path);
	if (sv->bus_changed)
		sv->bus_changed(sv);
	return 0;
}

unsigned int storvsp_disk_count(struct storvsp *sv)
{
	unsigned int n;

	pthread_rwlock_rdlock(&sv->luns_lock);
	n = sv->nluns;
	pthread_rwlock_unlock(&sv->luns_lock);
	return n;
}

void storvsp_protocol_reset(struct storvsp *sv)
{
	pthread_mutex_lock(&sv->proto_lock);
	sv->version = 0;
	sv->begun = false;
	sv->initialized = false;
	pthread_mutex_unlock(&sv->proto_lock);
}

uint16_t storvsp_protocol_version(struct storvsp *sv)
{
	uint16_t v;

	pthread_mutex_lock(&sv->proto_lock);
	v = sv->version;
	pthread_mutex_unlock(&sv->proto_lock);
	return v;
}

/*
 * Map the GPA-direct multi-page ranges of @pkt (between the header and the
 * in-band payload at @off) into iovecs covering the first @want bytes.
 * Returns the iovec count, or -1 if the ranges are malformed, hold fewer
 * than @want bytes, or touch memory that is not guest RAM.
 */
static int storvsp_map_ranges(struct storvsp *sv, const uint8_t *pkt, uint32_t off,
			      uint32_t want, storvsp_gpa_map_fn map, void *ctx,
			      struct iovec *iov)
{
	struct ovb_gpa_direct_header h;
	uint32_t pos = sizeof(h), left = want;
	int n = 0;

	memcpy(&h, pkt, sizeof(h));
	if (h.range_count == 0 || h.range_count > STORVSP_MAX_RANGES)
		return -1;
	for (uint32_t r = 0; r < h.range_count; r++) {
		struct ovb_gpa_range gr;
		uint32_t npfn, boff, bcount;

		if (off - pos < sizeof(gr))
			return -1;
		memcpy(&gr, pkt + pos, sizeof(gr));
		pos += sizeof(gr);
		boff = gr.byte_offset;
		bcount = gr.byte_count;
		if (boff >= OVB_HV_PAGE_SIZE || bcount == 0)
			return -1;
		npfn = (uint32_t)(((uint64_t)boff + bcount + OVB_HV_PAGE_SIZE - 1) / OVB_HV_PAGE_SIZE);
		if ((off - pos) / sizeof(uint64_t) < npfn)
			return -1;
		for (uint32_t i = 0; i < npfn && left; i++) {
			uint64_t pfn;
			uint32_t chunk = OVB_HV_PAGE_SIZE - boff;
			uint8_t *p;

			memcpy(&pfn, pkt + pos + i * sizeof(uint64_t), sizeof(pfn));
			if (chunk > bcount)
				chunk = bcount;
			if (chunk > left)
				chunk = left;
			if (pfn > (UINT64_MAX >> OVB_HV_PAGE_SHIFT))
				return -1;
			p = map(ctx, (pfn << OVB_HV_PAGE_SHIFT) + boff, chunk);
			if (!p) {
				storvsp_log(sv, "SRB data page 0x%llx is not guest RAM",
					    (unsigned long long)pfn);
				return -1;
			}
			if (n && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == p) {
				iov[n - 1].iov_len += chunk;	/* contiguous: merge */
			} else {
				if (n == STORVSP_MAX_IOV)
					return -1;
				iov[n].iov_base = p;
				iov[n].iov_len = chunk;
				n++;
			}
			left -= chunk;
			bcount -= chunk;
			boff = 0;
		}
		pos += npfn * (uint32_t)sizeof(uint64_t);
	}
	if (left) {
		storvsp_log(sv, "SRB transfer length %u exceeds its data ranges", want);
		return -1;
	}
	return n;
}

static void storvsp_srb_fail(struct ovb_vmscsi_request *srb, uint8_t srb_status)
{
	srb->srb_status = srb_status;
	srb->scsi_status = 0;
	srb->sense_info_length = 0;
	srb->data_transfer_length = 0;
}

static void storvsp_execute_srb(struct storvsp *sv, const uint8_t *pkt, uint16_t type,
				uint32_t off, struct ovb_vstor_packet *resp,
				storvsp_gpa_map_fn map, void *ctx)
{
	static _Thread_local struct iovec iov[STORVSP_MAX_IOV];
	struct ovb_vmscsi_request *srb = &resp->vm_srb;
	struct scsi_disk_cmd c;
	uint8_t cdb[OVB_VSTOR_MAX_CMD_LEN];
	struct storvsp_lun *l;
	int n = 0;

	if (srb->length < OVB_VMSCSI_REQUEST_SIZE_PRE_WIN8 ||
	    srb->length > sizeof(struct ovb_vmscsi_request) ||
	    srb->cdb_length == 0 || srb->cdb_length > OVB_VSTOR_MAX_CMD_LEN) {
		storvsp_log(sv, "bad SRB (length %u, cdb_length %u)", srb->length,
			    srb->cdb_length);
		storvsp_srb_fail(srb, OVB_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	if (srb->data_transfer_length > SCSI_DISK_MAX_XFER ||
	    (srb->data_transfer_length && type != OVB_VMPKT_DATA_USING_GPA_DIRECT)) {
		storvsp_srb_fail(srb, OVB_SRB_STATUS_INVALID_REQUEST);
		return;
	}
	if (srb->data_transfer_length) {
		n = storvsp_map_ranges(sv, pkt, off, srb->data_transfer_length, map, ctx, iov);
		if (n < 0) {
			storvsp_srb_fail(srb, OVB_SRB_STATUS_INVALID_REQUEST);
			return;
		}
	}
	memcpy(cdb, srb->cdb, sizeof(cdb));
	memset(&c, 0, sizeof(c));
	c.cdb = cdb;
	c.cdb_len = srb->cdb_length;
	c.iov = iov;
	c.iovcnt = n;
	c.buf_len = srb->data_transfer_length;

	/*
	 * Linux's storvsc turns every INQUIRY completion into success
	 * (storvsc_on_io_completion), so an absent device must be told in the
	 * INQUIRY data itself: peripheral qualifier 3, "no device here".
	 */
	if (srb->path_id || srb->target_id || srb->lun >= STORVSP_MAX_LUNS) {
		if (cdb[0] == 0x12) {
			scsi_no_lun(&c);
			goto done_status;
		}
		/*
		 * An empty REPORT LUNS, not INVALID_LUN: storvsc's error path
		 * removes the LUN with the channel forced to 0, which would
		 * take away the real disk at 0:0:0:LUN.
		 */
		if (cdb[0] == 0xa0 && c.cdb_len >= 12) {
			scsi_report_luns(&c, NULL, 0);
			goto done_status;
		}
		storvsp_srb_fail(srb, OVB_SRB_STATUS_INVALID_LUN);
		return;
	}
	pthread_rwlock_rdlock(&sv->luns_lock);
	l = &sv->luns[srb->lun];
	if (cdb[0] == 0xa0 && c.cdb_len >= 12 && (l->d || (srb->lun == 0 && sv->nluns))) {
		/* REPORT LUNS is the controller's answer */
		uint8_t luns[STORVSP_MAX_LUNS];
		unsigned int k = 0;

		for (unsigned int i = 0; i < STORVSP_MAX_LUNS; i++)
			if (sv->luns[i].d)
				luns[k++] = (uint8_t)i;
		scsi_report_luns(&c, luns, k);
	} else if (l->d) {
		scsi_disk_execute(l->d, &c);
	} else if (cdb[0] == 0x12) {
		/* no disk at this LUN (and LUN 0 lets the scan reach REPORT LUNS) */
		scsi_no_lun(&c);
	} else {
		c.status = 0xff;
	}
	pthread_rwlock_unlock(&sv->luns_lock);
done_status:

	if (c.status == 0xff) {
		storvsp_srb_fail(srb, OVB_SRB_STATUS_INVALID_LUN);
		return;
	}
	srb->scsi_status = c.status;
	srb->data_transfer_length = c.xfer_len;
	if (c.status == SCSI_STATUS_GOOD) {
		srb->srb_status = OVB_SRB_STATUS_SUCCESS;
		srb->sense_info_length = 0;
	} else {
		uint8_t slen = c.sense_len;

		if (slen > OVB_VSTOR_SENSE_BUFFER_SIZE)
			slen = OVB_VSTOR_SENSE_BUFFER_SIZE;
		if (srb->sense_info_length && slen > srb->sense_info_length)
			slen = srb->sense_info_length;
		srb->srb_status = OVB_SRB_STATUS_ERROR | OVB_SRB_STATUS_AUTOSENSE_VALID;
		memset(srb->sense_data, 0, sizeof(srb->sense_data));
		memcpy(srb->sense_data, c.sense, slen);
		srb->sense_info_length = slen;
	}
}

int storvsp_packet_handle(struct storvsp *sv, uint16_t subchannel, const void *pkt,
			  uint32_t len, storvsp_gpa_map_fn map, void *map_ctx,
			  struct ovb_vstor_packet *resp, unsigned int *subch_request)
{
	const uint8_t *p = pkt;
	struct ovb_vmpacket_desc d;
	uint32_t off;
	int ret = 1;

	*subch_request = 0;
	if (len < sizeof(d))
		return -EINVAL;
	memcpy(&d, p, sizeof(d));
	off = (uint32_t)d.offset8 * 8;
	if ((uint32_t)d.len8 * 8 > len || off < sizeof(d) || off > (uint32_t)d.len8 * 8 ||
	    (uint32_t)d.len8 * 8 - off < sizeof(struct ovb_vstor_packet)) {
		storvsp_log(sv, "short or malformed packet (len %u, offset8 %u, len8 %u)",
			    len, d.offset8, d.len8);
		return -EINVAL;
	}
	if (d.type != OVB_VMPKT_DATA_INBAND && d.type != OVB_VMPKT_DATA_USING_GPA_DIRECT) {
		storvsp_log(sv, "unexpected packet type %u", d.type);
		return -EINVAL;
	}
	if (d.type == OVB_VMPKT_DATA_USING_GPA_DIRECT && off < sizeof(struct ovb_gpa_direct_header))
		return -EINVAL;
	memcpy(resp, p + off, sizeof(*resp));
	resp->flags = 0;

	switch (resp->operation) {
	case OVB_VSTOR_OP_EXECUTE_SRB:
		pthread_mutex_lock(&sv->proto_lock);
		ret = sv->initialized;
		pthread_mutex_unlock(&sv->proto_lock);
		if (!ret) {
			resp->status = OVB_VSTOR_STATUS_INVALID_DEVICE_STATE;
			storvsp_srb_fail(&resp->vm_srb, OVB_SRB_STATUS_ERROR);
		} else {
			storvsp_execute_srb(sv, p, d.type, off, resp, map, map_ctx);
			resp->status = OVB_VSTOR_STATUS_SUCCESS;
		}
		resp->operation = OVB_VSTOR_OP_COMPLETE_IO;
		return 1;
	case OVB_VSTOR_OP_BEGIN_INITIALIZATION:
	case OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION:
	case OVB_VSTOR_OP_QUERY_PROPERTIES:
	case OVB_VSTOR_OP_END_INITIALIZATION:
	case OVB_VSTOR_OP_CREATE_SUB_CHANNELS:
		break;
	case OVB_VSTOR_OP_RESET_LUN:
	case OVB_VSTOR_OP_RESET_ADAPTER:
	case OVB_VSTOR_OP_RESET_BUS:
		/* Commands complete synchronously: nothing is outstanding. */
	case OVB_VSTOR_OP_FCHBA_DATA:
		resp->operation = OVB_VSTOR_OP_COMPLETE_IO;
		resp->status = OVB_VSTOR_STATUS_SUCCESS;
		return 1;
	default:
		storvsp_log(sv, "unknown operation %u", resp->operation);
		resp->operation = OVB_VSTOR_OP_COMPLETE_IO;
		resp->status = OVB_VSTOR_STATUS_INVALID_PARAMETER;
		return 1;
	}

	/* Initialisation happens on the primary channel only. */
	pthread_mutex_lock(&sv->proto_lock);
	resp->status = OVB_VSTOR_STATUS_SUCCESS;
	if (subchannel) {
		resp->status = OVB_VSTOR_STATUS_INVALID_DEVICE_STATE;
	} else if (resp->operation == OVB_VSTOR_OP_BEGIN_INITIALIZATION) {
		sv->begun = true;
		sv->initialized = false;
		sv->version = 0;
	} else if (resp->operation == OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION) {
		uint16_t want = resp->version.major_minor;
		bool ok = false;

		for (unsigned int i = 0; i < sizeof(storvsp_versions) / sizeof(storvsp_versions[0]); i++)
			ok |= want == storvsp_versions[i];
		if (ok && sv->begun) {
			sv->version = want;
			log_rl(&sv->state_rl, "storvsp: guest speaks VSTOR %u.%u", want >> 8,
			       want & 0xff);
		} else {
			resp->status = OVB_VSTOR_STATUS_REVISION_MISMATCH;
		}
		resp->version.revision = 0;
	} else if (resp->operation == OVB_VSTOR_OP_QUERY_PROPERTIES) {
		struct ovb_vmstorage_channel_properties *pr = &resp->storage_channel_properties;

		if (!sv->version) {
			resp->status = OVB_VSTOR_STATUS_INVALID_DEVICE_STATE;
		} else {
			memset(pr, 0, sizeof(*pr));
			pr->max_channel_cnt = (u16)sv->max_subchannels;
			pr->flags = sv->max_subchannels ? OVB_STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL : 0;
			pr->max_transfer_bytes = SCSI_DISK_MAX_XFER;
		}
	} else if (resp->operation == OVB_VSTOR_OP_END_INITIALIZATION) {
		if (!sv->version)
			resp->status = OVB_VSTOR_STATUS_INVALID_DEVICE_STATE;
		else
			sv->initialized = true;
	} else {	/* CREATE_SUB_CHANNELS */
		uint16_t cnt = resp->sub_channel_count;

		if (!sv->initialized || cnt == 0 || cnt > sv->max_subchannels)
			resp->status = OVB_VSTOR_STATUS_INVALID_PARAMETER;
		else
			*subch_request = cnt;
	}
	pthread_mutex_unlock(&sv->proto_lock);
	resp->operation = OVB_VSTOR_OP_COMPLETE_IO;
	return ret;
}
