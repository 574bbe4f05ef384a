// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The control socket's command parsing and a real socket round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/ctl/ctl.h"

int log_verbose;

static int cmd_echo(void *opaque, const char *args, FILE *out, const char **err)
{
	(*(int *)opaque)++;
	if (!strcmp(args, "fail")) {
		*err = "asked to fail";
		return -1;
	}
	fprintf(out, "args=[%s]\n", args);
	return 0;
}

static const struct ctl_command cmds[] = { { "echo", "echo its arguments", cmd_echo } };

static char *dispatch(const char *line, int *calls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ctl_dispatch(cmds, 1, calls, line, f);
	fclose(f);
	return buf;
}

static void test_dispatch(void **state)
{
	int calls = 0;
	char *out;

	(void)state;
	out = dispatch("echo  a b", &calls);
	assert_string_equal(out, "args=[a b]\nok\n");
	free(out);
	out = dispatch("echo fail", &calls);
	assert_string_equal(out, "error: asked to fail\n");
	free(out);
	out = dispatch("nosuch", &calls);
	assert_non_null(strstr(out, "error: unknown command"));
	free(out);
	out = dispatch("", &calls);
	assert_non_null(strstr(out, "error: empty"));
	free(out);
	out = dispatch("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &calls);
	assert_non_null(strstr(out, "error: empty or overlong"));
	free(out);
	out = dispatch("help", &calls);
	assert_non_null(strstr(out, "echo"));
	free(out);
	assert_int_equal(calls, 2);
}

static char *roundtrip(const char *path, const char *req, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (void *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, len), (ssize_t)len);
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return buf;
}

static void test_socket(void **state)
{
	char path[64];
	int calls = 0;
	struct ctl *ctl;
	char big[1000];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ovb-ctl-test.%d", getpid());
	ctl = ctl_start(path, cmds, 1, &calls);
	assert_non_null(ctl);
	assert_string_equal(roundtrip(path, "echo hi\n", 8), "args=[hi]\nok\n");
	/* An overlong line is refused, not overflowed. */
	memset(big, 'x', sizeof(big));
	assert_non_null(strstr(roundtrip(path, big, sizeof(big)), "error: command longer"));
	/* Still serving. */
	assert_string_equal(roundtrip(path, "echo again\r\n", 12), "args=[again]\nok\n");
	ctl_stop(ctl);
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
