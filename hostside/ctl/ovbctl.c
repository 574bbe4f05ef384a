// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovbctl: talk to a running ovb-host over its control socket.
 *
 *   ovbctl [-s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS...]
 *
 * The commands are the host's: `ovbctl help` lists what the running
 * ovb-host offers. The host answers with one JSON object (hostside/ctl/
 * ctl.h); --json prints it as it came, otherwise it is rendered as text
 * here: "key: value" lines, nested objects as "key.sub: value", arrays of
 * objects as a table. This file knows no command and no device.
 *
 * Exit status 0 when ovb-host answered a result, 1 when it answered an
 * error (or garbage), 2 when it could not be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostside/ctl/ctl.h"

#define DEFAULT_SOCKET	"/run/ovb-host.sock"
#define MAX_ANSWER	(1 << 20)
#define MAX_COLS	32

static void usage(FILE *f)
{
	fprintf(f, "usage: ovbctl [-s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS...]\n"
		   "  -s SOCKET   ovb-host's --ctl socket (default $OVB_CTL or %s)\n"
		   "  -j, --json  print the host's answer as JSON (schema: README)\n"
		   "  -t, --timeout SECONDS  wait that long for the answer (default 15;\n"
		   "              a backup of large disks takes longer)\n"
		   "`ovbctl help` lists the commands the running ovb-host offers.\n",
		DEFAULT_SOCKET);
}

/* A scalar as text; doubles with one decimal, null as "-". */
static void scalar_str(struct json_object *v, char *s, size_t len)
{
	if (!v)
		snprintf(s, len, "-");
	else if (json_object_is_type(v, json_type_double))
		snprintf(s, len, "%.1f", json_object_get_double(v));
	else if (json_object_is_type(v, json_type_string))
		snprintf(s, len, "%s", json_object_get_string(v));
	else
		snprintf(s, len, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

struct row {
	unsigned int n;
	char key[MAX_COLS][64];
	char val[MAX_COLS][256];
};

/* One table row: the object's scalars, nested objects as "key.sub". */
static void flatten(struct json_object *o, const char *prefix, struct row *r)
{
	json_object_object_foreach(o, k, v) {
		char key[64];

		snprintf(key, sizeof(key), "%s%s", prefix, k);
		if (json_object_is_type(v, json_type_object)) {
			char p[72];

			snprintf(p, sizeof(p), "%s.", key);
			flatten(v, p, r);
		} else if (r->n < MAX_COLS) {
			snprintf(r->key[r->n], sizeof(r->key[0]), "%s", key);
			scalar_str(v, r->val[r->n], sizeof(r->val[0]));
			r->n++;
		}
	}
}

/* An array of objects: one column per key any element has, "-" where absent. */
static void print_table(struct json_object *a)
{
	size_t n = json_object_array_length(a);
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	char cols[MAX_COLS][64];
	int width[MAX_COLS];
	unsigned int ncols = 0;

	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		flatten(json_object_array_get_idx(a, i), "", &rows[i]);
		for (unsigned int c = 0; c < rows[i].n; c++) {
			unsigned int j = 0;

			while (j < ncols && strcmp(cols[j], rows[i].key[c]))
				j++;
			if (j == ncols && ncols < MAX_COLS) {
				strcpy(cols[ncols], rows[i].key[c]);
				width[ncols++] = (int)strlen(rows[i].key[c]);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		for (unsigned int c = 0; c < rows[i].n; c++)
			for (unsigned int j = 0; j < ncols; j++)
				if (!strcmp(cols[j], rows[i].key[c]) &&
				    (int)strlen(rows[i].val[c]) > width[j])
					width[j] = (int)strlen(rows[i].val[c]);
	for (unsigned int j = 0; j < ncols; j++)
		printf("%-*s%s", j + 1 < ncols ? width[j] : 0, cols[j], j + 1 < ncols ? "  " : "\n");
	for (size_t i = 0; i < n; i++) {
		for (unsigned int j = 0; j < ncols; j++) {
			const char *v = "-";

			for (unsigned int c = 0; c < rows[i].n; c++)
				if (!strcmp(cols[j], rows[i].key[c]))
					v = rows[i].val[c];
			printf("%-*s%s", j + 1 < ncols ? width[j] : 0, v, j + 1 < ncols ? "  " : "\n");
		}
	}
	free(rows);
}

static void print_text(struct json_object *o, const char *prefix)
{
	json_object_object_foreach(o, k, v) {
		char s[256];

		if (json_object_is_type(v, json_type_object)) {
			char p[128];

			snprintf(p, sizeof(p), "%s%s.", prefix, k);
			print_text(v, p);
		} else if (json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			bool objects = n > 0;

			for (size_t i = 0; i < n; i++)
				objects &= json_object_is_type(json_object_array_get_idx(v, i),
							       json_type_object);
			if (objects) {
				printf("%s%s:\n", prefix, k);
				print_table(v);
			} else {
				printf("%s%s:", prefix, k);
				for (size_t i = 0; i < n; i++) {
					scalar_str(json_object_array_get_idx(v, i), s, sizeof(s));
					printf(" %s", s);
				}
				printf("\n");
			}
		} else {
			scalar_str(v, s, sizeof(s));
			printf("%s%s: %s\n", prefix, k, s);
		}
	}
}

static int connect_to(const char *path, long timeout_s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* A wedged ovb-host must not wedge its caller (scripts, tests). */
	struct timeval tv = { .tv_sec = timeout_s };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ovbctl: socket path too long\n");
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ovbctl: cannot reach ovb-host at %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("OVB_CTL") ? getenv("OVB_CTL") : DEFAULT_SOCKET;
	char line[CTL_MAX_LINE + 1], *answer;
	struct json_object *o, *e;
	size_t len = 0, got = 0;
	bool json = false;
	long timeout_s = 15;
	char *end;
	ssize_t n;
	int c, fd, rc;

	while ((c = getopt_long(argc, argv, "+s:jt:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 't':
			timeout_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || timeout_s < 1 || timeout_s > 86400) {
				fprintf(stderr, "ovbctl: bad --timeout '%s' (1..86400 seconds)\n", optarg);
				return 2;
			}
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (int j = optind; j < argc; j++) {
		size_t k = strlen(argv[j]);

		if (len + k + 1 > CTL_MAX_LINE) {
			fprintf(stderr, "ovbctl: command longer than %d bytes\n", CTL_MAX_LINE);
			return 2;
		}
		memcpy(line + len, argv[j], k);
		len += k;
		line[len++] = j + 1 < argc ? ' ' : '\n';
	}
	fd = connect_to(path, timeout_s);
	if (fd < 0)
		return 2;
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "ovbctl: write: %s\n", strerror(errno));
		return 2;
	}
	answer = malloc(MAX_ANSWER + 1);
	if (!answer)
		return 2;
	while (got < MAX_ANSWER && (n = read(fd, answer + got, MAX_ANSWER - got)) > 0)
		got += (size_t)n;
	if (!got && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		/* The command may still be running there (a backup): say how to wait. */
		fprintf(stderr, "ovbctl: no answer within %ld s (the host may still be working on it: "
			"-t SECONDS waits longer)\n", timeout_s);
		close(fd);
		free(answer);
		return 1;
	}
	close(fd);
	answer[got] = '\0';
	o = json_tokener_parse(answer);
	if (!o || !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "ovbctl: %s from ovb-host\n", got ? "a garbled answer" : "no answer");
		free(answer);
		json_object_put(o);
		return 1;
	}
	rc = json_object_object_get_ex(o, "error", &e) ? 1 : 0;
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	else if (rc)
		fprintf(stderr, "error: %s\n", json_object_get_string(e));
	else
		print_text(o, "");
	json_object_put(o);
	free(answer);
	return rc;
}
