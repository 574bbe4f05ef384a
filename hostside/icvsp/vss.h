/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VSS IC's freeze and thaw for a backup taken inside ovb-host
 * (hostside/backup.c): @state is the vss device type's state
 * (host_devices_state(devs, "vss")). Call from the control socket's
 * thread (where ctl commands run).
 */
#ifndef OVB_ICVSP_VSS_H
#define OVB_ICVSP_VSS_H

/*
 * Freeze the guest's filesystems and hold off the host's own thaw after
 * --vss SECONDS: the caller thaws (vss_backup_thaw) on every path, and
 * should not keep the guest frozen longer than *@max_frozen_s (set also
 * on failure). 0, or -1 with *@err saying why (no service, the daemon
 * refused or did not answer; a THAW follows such a failure by itself).
 */
int vss_backup_freeze(void *state, unsigned int *max_frozen_s, const char **err);
/* Thaw; if that fails the host's own thaw retries. 0, or -1 with *@err. */
int vss_backup_thaw(void *state, const char **err);

#endif /* OVB_ICVSP_VSS_H */
