/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control socket: a unix stream socket per VM (mode 0600; only root
 * and ovb-host's own user may talk to it, checked with SO_PEERCRED; or
 * 0660 with a group, whose members may too). A
 * client sends one command line (at most CTL_MAX_LINE bytes, ended by a
 * newline or by shutting down its write side); ovb-host answers with one
 * JSON object on one line and closes. The answer is the command's result,
 * or {"error": "why"}; a top-level "error" key means the command failed.
 * ovbctl is the client (it renders text from the JSON, or passes it on
 * with --json); any tool can speak it (socat, nc -U). The schema of each
 * command's answer is in the README ("ovb-host and ovbctl").
 *
 * Threads: one thread accepts; each client (at most CTL_MAX_CLIENTS at
 * once) is served on a thread of its own, with a deadline for reading
 * its request and one for writing the answer, so a slow client holds
 * nothing but its own slot. Handlers run one at a time (under the ctl's
 * lock) and only build a JSON object; it is written after they return,
 * so no client is written to while a handler holds any lock.
 */
#ifndef OVB_CTL_H
#define OVB_CTL_H

#include <stddef.h>

#define CTL_MAX_LINE	256
#define CTL_MAX_CLIENTS	4
#define CTL_IO_MS	2000		/* to read a request, and to write an answer */
#define CTL_MAX_NAME	31

struct json_object;

/*
 * A handler adds its answer to @reply (a JSON object) and returns 0, or
 * returns -1 with *@err saying why (a static string; whatever it added
 * to @reply is dropped).
 */
typedef int (*ctl_fn)(void *opaque, const char *args, struct json_object *reply,
		      const char **err);

struct ctl_command {
	const char *name;
	const char *usage;		/* its arguments, "" for none */
	const char *help;		/* one line */
	ctl_fn fn;
};

struct ctl;
struct ctl *ctl_new(void);
/*
 * Offer @cmds, each called with @opaque. An @opaque of NULL means their
 * device is absent: they are listed by help but answer @absent.
 */
int ctl_add(struct ctl *ctl, const struct ctl_command *cmds, unsigned int ncmds, void *opaque,
	    const char *absent);
/*
 * Create the socket at @path (replacing a stale one) and start serving.
 * @group NULL: mode 0600, root and ovb-host's user only; a group name (or
 * number): mode 0660 owned by that group, whose members may talk too.
 */
int ctl_listen(struct ctl *ctl, const char *path, const char *group);
/* Stop serving (waits for the clients being served) and free. */
void ctl_free(struct ctl *ctl);

/*
 * One request as it came from a client: any bytes, @len of them (the
 * socket code stops at CTL_MAX_LINE or the first newline). Returns the
 * answer (the caller puts it), never NULL. Exposed for the unit test and
 * the fuzzer; thread-safe.
 */
struct json_object *ctl_request(struct ctl *ctl, const char *buf, size_t len);

/* For handlers: an {"error": @msg} object. */
struct json_object *ctl_error(const char *msg);

#endif /* OVB_CTL_H */
