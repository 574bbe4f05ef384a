// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The controller's disks as a whole, for `ovbctl status` and for a
 * backup (hostside/backup.c). Pausing takes the LUN table's lock for
 * writing: every SCSI command runs synchronously to its completion under
 * the read lock (storvsp_proto.c), so once the write lock is held no
 * command is in flight and every write the guest was told is done is in
 * the back end; the lock prefers writers, so steady guest I/O cannot keep
 * a pause waiting.
 */
#include "hostside/storvsp/storvsp_internal.h"

#include <errno.h>

static void disk_info(const struct storvsp_lun *l, unsigned int lun, struct storvsp_disk_info *i)
{
	*i = (struct storvsp_disk_info){
		.lun = lun,
		.path = l->path,
		.format = disk_backend_format(l->b),
		.parent = disk_backend_parent(l->b),
		.size = disk_backend_size(l->b),
		.block_size = disk_backend_logical_block(l->b),
		.read_only = disk_backend_read_only(l->b),
		.fd = disk_backend_fd(l->b),
	};
}

void storvsp_disks_foreach(struct storvsp *sv,
			   void (*fn)(void *arg, const struct storvsp_disk_info *i), void *arg)
{
	struct storvsp_disk_info i;

	pthread_rwlock_rdlock(&sv->luns_lock);
	for (unsigned int lun = 0; lun < STORVSP_MAX_LUNS; lun++) {
		if (sv->luns[lun].d) {
			disk_info(&sv->luns[lun], lun, &i);
			fn(arg, &i);
		}
	}
	pthread_rwlock_unlock(&sv->luns_lock);
}

void storvsp_pause(struct storvsp *sv)
{
	pthread_rwlock_wrlock(&sv->luns_lock);
}

void storvsp_resume(struct storvsp *sv)
{
	pthread_rwlock_unlock(&sv->luns_lock);
}

unsigned int storvsp_paused_disks(struct storvsp *sv, struct storvsp_disk_info *out,
				  unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int lun = 0; lun < STORVSP_MAX_LUNS && n < max; lun++)
		if (sv->luns[lun].d)
			disk_info(&sv->luns[lun], lun, &out[n++]);
	return n;
}

int storvsp_paused_flush(struct storvsp *sv, unsigned int lun)
{
	if (lun >= STORVSP_MAX_LUNS || !sv->luns[lun].d)
		return -ENOENT;
	return disk_backend_flush(sv->luns[lun].b);
}
