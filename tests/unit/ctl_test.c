// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The control socket: its request parser, the real handlers (status,
 * channels, disk add/remove on real images, heartbeat, shutdown) over the
 * real VMBus server and devices driven by the fake guest, and the socket:
 * mode 0600, peer credentials, clients served side by side with a
 * deadline each, a bounded request.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/ctl/ctl.h"
#include "hostside/ctl/vm_cmds.h"
#include "hostside/vmbus/server.h"
#include "tests/unit/devenv.h"

int log_verbose;

struct env {
	struct devenv d;
	struct vm_info info;
	struct ctl *ctl;
	char path[96];
};

static void env_setup(struct env *e, bool options)
{
	devenv_setup(&e->d, options);
	e->info = (struct vm_info){ .srv = e->d.srv, .devs = e->d.devs, .ncpus = 2,
				    .ram_size = 512ull << 20, .started = time(NULL) };
	e->ctl = ctl_new();
	assert_non_null(e->ctl);
	assert_int_equal(vm_cmds_add(e->ctl, &e->info), 0);
	assert_int_equal(host_devices_ctl_add(e->d.devs, e->ctl), 0);
	snprintf(e->path, sizeof(e->path), "%s/ctl.sock", e->d.dir);
}

static void env_teardown(struct env *e)
{
	ctl_free(e->ctl);
	unlink(e->path);
	devenv_teardown(&e->d);
}

/* The answer to @line (the caller puts it). */
static struct json_object *req(struct env *e, const char *line)
{
	return ctl_request(e->ctl, line, strlen(line));
}

static const char *error_of(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : NULL;
}

/* The value at a path of object keys, e.g. get(o, "vmbus", "version", NULL). */
static struct json_object *get(struct json_object *o, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, o);
	while (o && (k = va_arg(ap, const char *)))
		if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	va_end(ap);
	return o;
}

static void assert_error(struct env *e, const char *line, const char *want)
{
	struct json_object *o = req(e, line);

	assert_non_null(error_of(o));
	assert_non_null(strstr(error_of(o), want));
	json_object_put(o);
}

static void test_parser(void **state)
{
	struct env *e = *state;
	struct json_object *o;
	char big[CTL_MAX_LINE + 10];

	assert_error(e, "", "empty command");
	assert_error(e, "   \t ", "empty command");
	assert_error(e, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "overlong command name");
	assert_error(e, "nosuch", "unknown command 'nosuch'");
	assert_error(e, "stat\x01us", "control characters");
	assert_error(e, "status\x1b[2J", "control characters");
	o = ctl_request(e->ctl, "status\0x", 8);
	assert_non_null(strstr(error_of(o), "control characters"));
	json_object_put(o);
	memset(big, 'x', sizeof(big));
	o = ctl_request(e->ctl, big, sizeof(big));
	assert_non_null(strstr(error_of(o), "longer than"));
	json_object_put(o);
	/* One line: what follows the newline is not looked at; \r\n is fine. */
	o = req(e, "status \r\n\x01garbage");
	assert_null(error_of(o));
	json_object_put(o);
	/* help lists every command with its usage, help itself too. */
	o = req(e, "help");
	assert_null(error_of(o));
	{
		struct json_object *a = get(o, "commands", NULL);
		bool status = false, disk = false, help = false;

		assert_non_null(a);
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			const char *n = json_object_get_string(get(json_object_array_get_idx(a, i),
								   "name", NULL));
			const char *u = json_object_get_string(get(json_object_array_get_idx(a, i),
								   "usage", NULL));

			status |= !strcmp(n, "status");
			help |= !strcmp(n, "help");
			if (!strcmp(n, "disk")) {
				disk = true;
				assert_non_null(strstr(u, "remove LUN"));
			}
		}
		assert_true(status && disk && help);
	}
	json_object_put(o);
}

static void test_status(void **state)
{
	struct env *e = *state;
	struct json_object *o = req(e, "status"), *devs;

	assert_null(error_of(o));
	assert_string_equal(json_object_get_string(get(o, "state", NULL)), "running");
	assert_int_equal(json_object_get_int(get(o, "vcpus", NULL)), 2);
	assert_int_equal(json_object_get_int(get(o, "memory_mib", NULL)), 512);
	assert_false(json_object_get_boolean(get(o, "vmbus", "connected", NULL)));
	assert_true(json_object_is_type(get(o, "vmbus", "version", NULL), json_type_null));
	assert_int_equal(json_object_get_int(get(o, "gpadls", NULL)), 0);
	devs = get(o, "devices", NULL);
	assert_int_equal(json_object_array_length(devs), vsp_ntypes);
	json_object_put(o);

	/* Connected at 5.2 with one channel open: version and the GPADL show. */
	devenv_connect(&e->d, 0x50002);
	devenv_open(&e->d, 1, 7);
	o = req(e, "status");
	assert_true(json_object_get_boolean(get(o, "vmbus", "connected", NULL)));
	assert_string_equal(json_object_get_string(get(o, "vmbus", "version", NULL)), "5.2");
	assert_int_equal(json_object_get_int(get(o, "gpadls", NULL)), 1);
	json_object_put(o);
}

static void test_channels(void **state)
{
	struct env *e = *state;
	struct json_object *o, *a, *c;
	size_t offered = 0;

	/* One channel per type with a VMBus device (the console has none). */
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		offered += vsp_types[i]->device != NULL;
	o = req(e, "channels");
	assert_int_equal(json_object_array_length(get(o, "channels", NULL)), offered);
	json_object_put(o);
	devenv_connect(&e->d, 0x50002);
	devenv_open(&e->d, 1, 7);
	o = req(e, "channels");
	a = get(o, "channels", NULL);
	assert_int_equal(json_object_array_length(a), offered);
	c = json_object_array_get_idx(a, 0);
	assert_int_equal(json_object_get_int(get(c, "relid", NULL)), 1);
	assert_string_equal(json_object_get_string(get(c, "device", NULL)), vsp_types[0]->name);
	assert_string_equal(json_object_get_string(get(c, "state", NULL)), "open");
	assert_int_equal(json_object_get_int(get(c, "subchannel", NULL)), 0);
	assert_int_equal(strlen(json_object_get_string(get(c, "class", NULL))), 36);
	assert_int_equal(strlen(json_object_get_string(get(c, "instance", NULL))), 36);
	assert_false(json_object_get_boolean(get(c, "failed", NULL)));
	assert_non_null(get(c, "tx", "packets", NULL));
	assert_non_null(get(c, "rx", "bytes", NULL));
	c = json_object_array_get_idx(a, 1);
	assert_string_equal(json_object_get_string(get(c, "state", NULL)), "offered");
	json_object_put(o);
}

static int storvsp_disks(struct env *e)
{
	struct json_object *o = req(e, "status"), *a = get(o, "devices", NULL);
	int n = -1;

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i);

		if (!strcmp(json_object_get_string(get(d, "type", NULL)), "storvsp"))
			n = json_object_get_int(get(d, "disks", NULL));
	}
	json_object_put(o);
	return n;
}

static void test_disk(void **state)
{
	struct env *e = *state;
	struct json_object *o;
	char line[200];

	assert_int_equal(storvsp_disks(e), 1);
	snprintf(line, sizeof(line), "disk add %s,ro,serial=abc", e->d.img[1]);
	o = req(e, line);
	assert_null(error_of(o));
	assert_int_equal(json_object_get_int(get(o, "lun", NULL)), 1);
	json_object_put(o);
	assert_int_equal(storvsp_disks(e), 2);
	o = req(e, "disk remove 1");
	assert_null(error_of(o));
	assert_int_equal(json_object_get_int(get(o, "lun", NULL)), 1);
	assert_true(json_object_get_boolean(get(o, "removed", NULL)));
	json_object_put(o);
	assert_int_equal(storvsp_disks(e), 1);
	assert_error(e, "disk remove 1", "no such LUN");
	assert_error(e, "disk remove 99999999999999999999", "no such LUN");
	assert_error(e, "disk remove -1", "no such LUN");
	assert_error(e, "disk remove 1x", "no such LUN");
	assert_error(e, "disk remove", "usage: disk add");
	assert_error(e, "disk frob", "usage: disk add");
	assert_error(e, "disk add /nonexistent/x.img", "cannot attach");
	assert_error(e, "disk add x.img,bogus", "bad disk");
	assert_int_equal(storvsp_disks(e), 1);
}

/* The guest's services are not running: clear errors, no crash. */
static void test_ic_not_running(void **state)
{
	struct env *e = *state;

	assert_error(e, "heartbeat", "heartbeat service is not running");
	assert_error(e, "shutdown", "shutdown service is not running");
	assert_error(e, "reboot", "shutdown service is not running");
}

/* A type whose option was not given: its commands say how to get it. */
static void test_absent_device(void **state)
{
	struct env e;

	(void)state;
	env_setup(&e, false);
	assert_error(&e, "disk add /tmp/x.img", "no storvsp device (start ovb-host with --disk)");
	env_teardown(&e);
}

/* ---- the socket ---- */

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (void *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read the whole answer (the server closes after it) and parse it. */
static struct json_object *answer(int fd)
{
	static char buf[65536];
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	assert_true(got > 0 && buf[got - 1] == '\n');
	return json_tokener_parse(buf);
}

static struct json_object *roundtrip(const char *path, const char *req, size_t len)
{
	int fd = dial(path);

	assert_true(fd >= 0);
	/* A refused client's answer may come (and the server close) first. */
	(void)!write(fd, req, len);
	return answer(fd);
}

static void test_socket(void **state)
{
	struct env *e = *state;
	struct json_object *o;
	struct stat st;
	char big[1000];
	mode_t old = umask(0);

	/* Mode 0600 whatever the umask. */
	assert_int_equal(ctl_listen(e->ctl, e->path, NULL), 0);
	umask(old);
	assert_int_equal(stat(e->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	o = roundtrip(e->path, "status\n", 7);
	assert_string_equal(json_object_get_string(get(o, "state", NULL)), "running");
	json_object_put(o);
	/* An overlong request is refused, not overflowed; still serving after. */
	memset(big, 'x', sizeof(big));
	o = roundtrip(e->path, big, sizeof(big));
	assert_non_null(strstr(error_of(o), "longer than"));
	json_object_put(o);
	/* No newline, but the client shut its side: that ends the request. */
	{
		int fd = dial(e->path);

		assert_int_equal(write(fd, "channels", 8), 8);
		shutdown(fd, SHUT_WR);
		o = answer(fd);
		assert_non_null(get(o, "channels", NULL));
		json_object_put(o);
	}
}

/*
 * Clients that send nothing hold only their own slot: another is served
 * while they wait, a client beyond CTL_MAX_CLIENTS is told "busy", and
 * the silent ones are dropped at their deadline with an answer.
 */
static void test_slow_clients(void **state)
{
	struct env *e = *state;
	int idle[CTL_MAX_CLIENTS];
	struct json_object *o;

	assert_int_equal(ctl_listen(e->ctl, e->path, NULL), 0);
	for (int i = 0; i < CTL_MAX_CLIENTS - 1; i++) {
		idle[i] = dial(e->path);
		assert_true(idle[i] >= 0);
	}
	/* Let the server take them all in. */
	usleep(200 * 1000);
	o = roundtrip(e->path, "status\n", 7);
	assert_null(error_of(o));
	json_object_put(o);
	/* They are still waiting, unanswered: the status did not wait for them. */
	for (int i = 0; i < CTL_MAX_CLIENTS - 1; i++) {
		struct pollfd p = { .fd = idle[i], .events = POLLIN };

		assert_int_equal(poll(&p, 1, 0), 0);
	}
	/* (The status's slot is free once its thread ended.) */
	usleep(200 * 1000);
	idle[CTL_MAX_CLIENTS - 1] = dial(e->path);
	usleep(200 * 1000);
	o = roundtrip(e->path, "status\n", 7);
	assert_non_null(error_of(o));
	assert_non_null(strstr(error_of(o), "busy"));
	json_object_put(o);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		o = answer(idle[i]);
		assert_non_null(strstr(error_of(o), "empty command"));
		json_object_put(o);
	}
	o = roundtrip(e->path, "status\n", 7);
	assert_null(error_of(o));
	json_object_put(o);
}

/* As user and group 65534 (nobody): ask @path for status; 0 if the answer has @want. */
static int status_as_nobody(const char *path, const char *want)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[4096] = "";
		ssize_t n;
		int fd;

		/* The answer may come before the request is written. */
		signal(SIGPIPE, SIG_IGN);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		strcpy(sa.sun_path, path);
		if (connect(fd, (void *)&sa, sizeof(sa)))
			_exit(4);
		(void)!write(fd, "status\n", 7);
		n = read(fd, buf, sizeof(buf) - 1);
		_exit(n > 0 && strstr(buf, want) ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Another user is refused, even where the socket's mode would let it in. */
static void test_peer_credentials(void **state)
{
	struct env *e = *state;

	if (geteuid() != 0)
		skip();		/* needs to become another user */
	assert_int_equal(ctl_listen(e->ctl, e->path, NULL), 0);
	assert_int_equal(chmod(e->path, 0666), 0);
	assert_int_equal(chmod(e->d.dir, 0755), 0);
	assert_int_equal(status_as_nobody(e->path, "permission denied"), 0);
	assert_int_equal(status_as_nobody(e->path, "running"), 5);
}

/* With a group: mode 0660, owned by the group, and its members are served. */
static void test_group(void **state)
{
	struct env *e = *state;
	struct stat st;

	assert_int_equal(ctl_listen(e->ctl, e->path, "no-such-group-here"), -1);
	if (geteuid() != 0)
		skip();		/* chown to another group, become another user */
	assert_int_equal(ctl_listen(e->ctl, e->path, "65534"), 0);
	assert_int_equal(stat(e->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(chmod(e->d.dir, 0755), 0);
	assert_int_equal(status_as_nobody(e->path, "running"), 0);
}

/* A stale socket is replaced; any other file at the path is left alone. */
static void test_listen_path(void **state)
{
	struct env *e = *state;
	FILE *f = fopen(e->path, "w");

	assert_non_null(f);
	fclose(f);
	assert_int_equal(ctl_listen(e->ctl, e->path, NULL), -1);
	assert_int_equal(access(e->path, F_OK), 0);
	unlink(e->path);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	env_setup(e, true);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	env_teardown(e);
	assert_int_equal(access(e->path, F_OK), -1);
	free(e);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parser, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ic_not_running, setup, teardown),
		cmocka_unit_test(test_absent_device),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_path, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
