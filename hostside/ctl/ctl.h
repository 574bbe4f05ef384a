/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control socket: a unix stream socket per VM. A client sends one
 * command line (at most CTL_MAX_LINE bytes); ovb-host answers with text
 * lines and a last line "ok" or "error: <why>", then closes. ovbctl is
 * the client; any tool can speak it (socat, nc -U).
 */
#ifndef OVB_CTL_H
#define OVB_CTL_H

#include <stdio.h>

#define CTL_MAX_LINE 256

/*
 * A command handler writes its answer to @out and returns 0 (-> "ok") or
 * a negative number after writing nothing (@err says why).
 */
struct ctl_command {
	const char *name;
	const char *help;
	int (*fn)(void *opaque, const char *args, FILE *out, const char **err);
};

struct ctl;
struct ctl *ctl_start(const char *path, const struct ctl_command *cmds, unsigned int ncmds,
		      void *opaque);
void ctl_stop(struct ctl *ctl);

/* Split "cmd args" and dispatch (exposed for the unit test). */
int ctl_dispatch(const struct ctl_command *cmds, unsigned int ncmds, void *opaque,
		 const char *line, FILE *out);

#endif /* OVB_CTL_H */
