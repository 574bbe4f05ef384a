/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * `ovbctl backup DIR [--crash-consistent]`: a copy of every disk of the
 * running VM taken while the guest's filesystems are frozen through VSS
 * (application-consistent, as Hyper-V's production checkpoints), with
 * DIR/manifest.json describing it. Spans two device types (vss, storvsp),
 * so it is offered beside them rather than by either (hostside/glue.c).
 */
#ifndef OVB_HOST_BACKUP_H
#define OVB_HOST_BACKUP_H

struct ctl;
struct host_devices;

/*
 * The longest the guest's disk I/O is held (and so the copy may take):
 * well below Linux storvsc's 180 s command timeout, after which the guest
 * would start resetting the bus. With VSS the guest's --vss SECONDS bound
 * applies too, whichever is shorter.
 */
#define BACKUP_MAX_PAUSE_S	120

/* Offer `backup` on @ctl for the devices @devs (which must outlive @ctl). */
int backup_ctl_add(struct ctl *ctl, struct host_devices *devs);

#endif /* OVB_HOST_BACKUP_H */
