// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VNC server's options and input (hostside/console/vnc.c): with a
 * password file only VNC authentication is offered and only the right
 * password gets in (guessing is cut off; the password can be re-read); a client that announces QEMU's extended key event is
 * told so and its keys reach the guest's keyboard by scan code (the key's
 * place, not the US key of its keysym), keysyms still by the US layout;
 * with a web directory the same port serves its files over HTTP (exact
 * bytes, content types; '..', a symlink out, other methods refused) and
 * still takes WebSocket (RFB through the framing) and plain RFB clients.
 * The keyboard is the real inputvsp over the VMBus server and the fake
 * guest, which negotiates as hyperv-keyboard does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <rfb/rfbclient.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/console/console.h"
#include "hostside/console/vnc.h"
#include "hostside/console/vnc_web.h"
#include "hostside/inputvsp/inputvsp.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/videovsp/videovsp.h"
#include "include/ovb/synthkbd.h"
#include "lib/ring.h"
#include "tests/unit/devenv.h"
#include "tests/unit/vnc_client.h"

int log_verbose;

struct env {
	struct devenv e;
	struct vmbus_device *kbd, *video;
	struct fg_chan g;
	uint8_t buf[4096];
	char dir[64];
};

static void guest_send(struct env *t, const void *m, uint32_t len)
{
	ovb_bool sig;
	uint64_t one = 1;

	assert_int_equal(ovb_ring_tx_inband(&t->g.tx, OVB_VMPKT_DATA_INBAND, 0, 1, m, len, &sig), 0);
	assert_int_equal(write(t->g.fd, &one, sizeof(one)), sizeof(one));
}

/* The guest's next keystroke: its make code and flags. */
static void guest_key(struct env *t, uint16_t *code, uint32_t *info)
{
	struct synth_kbd_keystroke k;
	uint64_t tid;
	uint32_t len = fg_chan_recv(&t->g, t->buf, sizeof(t->buf), &tid, 3000), off;

	assert_true(len >= 16 + sizeof(k));
	off = (uint32_t)((struct ovb_vmpacket_desc *)t->buf)->offset8 * 8;
	memcpy(&k, t->buf + off, sizeof(k));
	assert_int_equal(k.header.type, SYNTH_KBD_EVENT);
	*code = k.make_code;
	*info = k.info;
}

static void expect_key(struct env *t, uint16_t code, uint32_t info)
{
	uint16_t c;
	uint32_t i;

	guest_key(t, &c, &i);
	if (c != code || i != info)
		fail_msg("key 0x%x info 0x%x, wanted 0x%x info 0x%x", c, i, code, info);
}

static int setup(void **state)
{
	log_verbose = getenv("OVB_TEST_VERBOSE") != NULL;
	struct env *t = calloc(1, sizeof(*t));
	struct synth_kbd_protocol_request req = { { SYNTH_KBD_PROTOCOL_REQUEST }, SYNTH_KBD_VERSION };
	struct synth_kbd_protocol_response r;
	uint64_t pfn, tid;
	uint32_t len, off;

	assert_non_null(t);
	t->e.fg = fg_new();
	assert_non_null(t->e.fg);
	t->e.srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, t->e.fg, 2);
	t->kbd = inputvsp_keyboard_new();
	assert_non_null(t->kbd);
	/* The screen: a video device the guest never opens (640x480 of black). */
	t->video = videovsp_new(0, 2);
	assert_non_null(t->video);
	assert_int_equal(vmbus_server_add_device(t->e.srv, t->kbd), 0);
	assert_int_equal(devenv_connect(&t->e, 0x50002), 1);
	pfn = devenv_open(&t->e, 1, 1);
	assert_int_equal(fg_chan_init(t->e.fg, &t->g, pfn, 4, 0x10001), 0);
	guest_send(t, &req, sizeof(req));
	len = fg_chan_recv(&t->g, t->buf, sizeof(t->buf), &tid, 3000);
	assert_true(len >= 16 + sizeof(r));
	off = (uint32_t)((struct ovb_vmpacket_desc *)t->buf)->offset8 * 8;
	memcpy(&r, t->buf + off, sizeof(r));
	assert_int_equal(r.proto_status & SYNTH_KBD_PROTOCOL_ACCEPTED, 1);
	console_set_keyboard(t->kbd);
	snprintf(t->dir, sizeof(t->dir), "/tmp/ovb-vnc-test.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct env *t = *state;
	char cmd[128];

	console_set_keyboard(NULL);
	vmbus_server_remove_device(t->e.srv, t->kbd);
	inputvsp_free(t->kbd);
	videovsp_free(t->video);
	vmbus_server_free(t->e.srv);
	fg_free(t->e.fg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static int vnc_port(struct console_vnc *vnc)
{
	struct json_object *st = json_object_new_object(), *v;
	int port;

	console_vnc_status(vnc, st);
	assert_true(json_object_object_get_ex(st, "listen", &v));
	assert_true(!strncmp(json_object_get_string(v), "127.0.0.1:", 10));
	port = atoi(json_object_get_string(v) + 10);
	json_object_put(st);
	assert_int_not_equal(port, 0);
	return port;
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (void *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Read exactly @n bytes within 3 s; how many came. */
static size_t read_n(int fd, void *buf, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 30 && got < n; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t k;

		if (poll(&p, 1, 100) <= 0)
			continue;
		k = read(fd, (char *)buf + got, n - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/* Everything until the peer closes (3 s at most), NUL-terminated; its length. */
static size_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;

	for (int i = 0; i < 30 && got + 1 < size; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t k;

		if (poll(&p, 1, 100) <= 0)
			continue;
		k = read(fd, buf + got, size - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = 0;
	return got;
}

/* RFB 3.8 up to the security types: how many, copied to @types. */
static int rfb_security_types(int fd, uint8_t *types)
{
	char ver[12];
	uint8_t n = 0;

	assert_int_equal(read_n(fd, ver, 12), 12);
	assert_memory_equal(ver, "RFB 003.008\n", 12);
	assert_int_equal(write(fd, "RFB 003.008\n", 12), 12);
	assert_int_equal(read_n(fd, &n, 1), 1);
	assert_true(n > 0);
	assert_int_equal(read_n(fd, types, n), n);
	return n;
}

static const char *client_password;

static char *get_password(rfbClient *cl)
{
	(void)cl;
	return strdup(client_password);
}

/* A libvncclient client on @port; NULL if it could not get in (it is freed then). */
static rfbClient *client_connect(int port, const char *password)
{
	char *argv[] = { "test", NULL };
	int argc = 1;
	rfbClient *cl;

	rfbClientLog = rfbClientErr = vnc_client_log;
	cl = rfbGetClient(8, 3, 4);
	free(cl->serverHost);
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = port;
	client_password = password;
	cl->GetPassword = get_password;
	cl->appData.encodingsString = "raw";
	return rfbInitClient(cl, &argc, argv) ? cl : NULL;
}

static void client_close(rfbClient *cl)
{
	free(cl->frameBuffer);
	rfbClientCleanup(cl);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_password(void **state)
{
	struct env *t = *state;
	char pwfile[96], spec[160];
	struct console_vnc *vnc;
	uint8_t types[16];
	rfbClient *cl;
	int fd, n;

	snprintf(pwfile, sizeof(pwfile), "%s/pw", t->dir);
	/* A missing file, then an empty one, are refused before anything listens. */
	snprintf(spec, sizeof(spec), "127.0.0.1:0,password-file=%s", pwfile);
	assert_int_equal(console_vnc_check_spec(spec), -1);
	write_file(pwfile, "\n", 1, 0600);
	assert_int_equal(console_vnc_check_spec(spec), 0);
	assert_null(console_vnc_start(spec, t->video));
	write_file(pwfile, "s3cret\n", 7, 0600);
	vnc = console_vnc_start(spec, t->video);
	assert_non_null(vnc);

	/* Only VNC authentication (2) is offered, never None (1). */
	fd = tcp_connect(vnc_port(vnc));
	n = rfb_security_types(fd, types);
	for (int i = 0; i < n; i++)
		assert_int_not_equal(types[i], rfbNoAuth);
	assert_memory_equal(types, (uint8_t[]){ rfbVncAuth }, 1);
	/* A client that takes None all the same gets no further. */
	{
		uint8_t res[64];
		size_t k;

		assert_int_equal(write(fd, (uint8_t[]){ rfbNoAuth }, 1), 1);
		k = read_all(fd, (char *)res, sizeof(res));
		/* EOF, or a failed SecurityResult (non-zero) and the connection closed. */
		assert_true(k == 0 || (k >= 4 && memcmp(res, "\0\0\0\0", 4)));
	}
	close(fd);

	assert_null(client_connect(vnc_port(vnc), "wrong"));
	assert_null(client_connect(vnc_port(vnc), "s3cre"));
	cl = client_connect(vnc_port(vnc), "s3cret");
	assert_non_null(cl);
	assert_int_equal(cl->width, 640);
	client_close(cl);
	/* Guessing: after 5 failures in a minute, the right password fails too. */
	for (int i = 0; i < 3; i++)
		assert_null(client_connect(vnc_port(vnc), "guess"));
	assert_null(client_connect(vnc_port(vnc), "s3cret"));
	console_vnc_stop(vnc);

	/* Without the option, no password is asked. */
	vnc = console_vnc_start("127.0.0.1:0", t->video);
	assert_non_null(vnc);
	fd = tcp_connect(vnc_port(vnc));
	n = rfb_security_types(fd, types);
	assert_int_equal(n, 1);
	assert_int_equal(types[0], rfbNoAuth);
	close(fd);
	usleep(100 * 1000);
	console_vnc_stop(vnc);
}

/* `ovbctl vnc-password [/FILE]`: the password changes for new clients, from its file or another. */
static void test_password_reload(void **state)
{
	struct env *t = *state;
	char pwfile[96], other[96], spec[160];
	struct console_vnc *vnc;
	const char *err = NULL;
	rfbClient *cl;

	vnc = console_vnc_start("127.0.0.1:0", t->video);
	assert_non_null(vnc);
	assert_int_equal(console_vnc_reload_password(vnc, NULL, &err), -1);
	assert_non_null(err);
	console_vnc_stop(vnc);

	snprintf(pwfile, sizeof(pwfile), "%s/pw", t->dir);
	snprintf(other, sizeof(other), "%s/pw2", t->dir);
	write_file(pwfile, "first\n", 6, 0600);
	snprintf(spec, sizeof(spec), "127.0.0.1:0,password-file=%s", pwfile);
	vnc = console_vnc_start(spec, t->video);
	assert_non_null(vnc);
	write_file(pwfile, "second\n", 7, 0600);
	assert_int_equal(console_vnc_reload_password(vnc, "", &err), 0);
	assert_null(client_connect(vnc_port(vnc), "first"));
	cl = client_connect(vnc_port(vnc), "second");
	assert_non_null(cl);
	client_close(cl);
	write_file(other, "third\n", 6, 0600);
	assert_int_equal(console_vnc_reload_password(vnc, other, &err), 0);
	cl = client_connect(vnc_port(vnc), "third");
	assert_non_null(cl);
	client_close(cl);
	/* A bad file leaves the password as it was. */
	assert_int_equal(console_vnc_reload_password(vnc, "relative/pw", &err), -1);
	write_file(pwfile, "\n", 1, 0600);
	assert_int_equal(console_vnc_reload_password(vnc, pwfile, &err), -1);
	cl = client_connect(vnc_port(vnc), "third");
	assert_non_null(cl);
	client_close(cl);
	console_vnc_stop(vnc);
}

/* Handle server messages for up to @ms. */
static void client_pump(rfbClient *cl, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		int r = vnc_client_wait(cl, 10000);

		assert_true(r >= 0);
		if (r > 0)
			assert_true(HandleRFBServerMessage(cl));
	}
}

static void test_extended_keys(void **state)
{
	struct env *t = *state;
	struct console_vnc *vnc = console_vnc_start("127.0.0.1:0", t->video);
	rfbClient *cl;
	bool ok = false;

	assert_non_null(vnc);
	cl = client_connect(vnc_port(vnc), "");
	assert_non_null(cl);
	/*
	 * libvncclient announces -258 and sends extended key events only once
	 * the server said it takes them: keysym 'a' from the key at the US Q
	 * place (an AZERTY keyboard's A) goes as that place, 0x10.
	 */
	for (int i = 0; i < 30 && !ok; i++) {
		client_pump(cl, 100);
		ok = SendExtendedKeyEvent(cl, 'a', 0x10, TRUE);
	}
	assert_true(ok);
	expect_key(t, 0x10, 0);
	assert_true(SendExtendedKeyEvent(cl, 'a', 0x10, FALSE));
	expect_key(t, 0x10, SYNTH_KBD_IS_BREAK);
	/* Right Ctrl: bit 7 of the keycode is the E0 prefix. */
	assert_true(SendExtendedKeyEvent(cl, XK_Control_R, 0x9d, TRUE));
	expect_key(t, 0x1d, SYNTH_KBD_IS_E0);
	/* No scan code: the keysym, US layout. */
	assert_true(SendExtendedKeyEvent(cl, 'z', 0, TRUE));
	expect_key(t, 0x2c, 0);
	/* A plain key event: keysym 'a' is the US A key, 0x1e. */
	assert_true(SendKeyEvent(cl, 'a', TRUE));
	expect_key(t, 0x1e, 0);
	client_close(cl);
	console_vnc_stop(vnc);
}

/* A client that never announced -258 and sends message 255 anyway is closed. */
static void test_extended_key_unannounced(void **state)
{
	struct env *t = *state;
	struct console_vnc *vnc = console_vnc_start("127.0.0.1:0", t->video);
	uint8_t types[16], init[24], msg[12] = { 255, 0, 0, 1, 0, 0, 0, 'a', 0, 0, 0, 0x1e };
	uint32_t name_len;
	char name[64], rest[16];
	int fd;

	assert_non_null(vnc);
	fd = tcp_connect(vnc_port(vnc));
	rfb_security_types(fd, types);
	assert_int_equal(write(fd, (uint8_t[]){ rfbNoAuth }, 1), 1);
	assert_int_equal(read_n(fd, rest, 4), 4);	/* SecurityResult OK */
	assert_memory_equal(rest, "\0\0\0\0", 4);
	assert_int_equal(write(fd, (uint8_t[]){ 1 }, 1), 1);	/* shared */
	assert_int_equal(read_n(fd, init, 24), 24);
	memcpy(&name_len, init + 20, 4);
	name_len = ntohl(name_len);
	assert_true(name_len < sizeof(name));
	assert_int_equal(read_n(fd, name, name_len), name_len);
	assert_int_equal(write(fd, msg, sizeof(msg)), sizeof(msg));
	/* Closed: EOF, and no key went to the guest. */
	assert_int_equal(read_all(fd, name, sizeof(name)), 0);
	{
		uint64_t tid;

		assert_int_equal(fg_chan_recv(&t->g, t->buf, sizeof(t->buf), &tid, 200), 0);
	}
	close(fd);
	console_vnc_stop(vnc);
}

/* GET @path; the status code, the body in @body (*@blen bytes), the Content-Type in @ctype. */
static int http_get(int port, const char *method, const char *path, char *body, size_t size,
		    size_t *blen, char *ctype, size_t ctsize)
{
	char req[512], *resp = malloc(1 << 20), *hend, *ct;
	size_t n;
	int fd = tcp_connect(port), code;

	assert_non_null(resp);
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n",
		 method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	n = read_all(fd, resp, 1 << 20);
	close(fd);
	if (n < 12 || strncmp(resp, "HTTP/1.1 ", 9))
		fail_msg("answer to %s: %.60s", path, resp);
	code = atoi(resp + 9);
	hend = strstr(resp, "\r\n\r\n");
	assert_non_null(hend);
	*hend = 0;
	ct = strcasestr(resp, "\r\nContent-Type: ");
	snprintf(ctype, ctsize, "%.*s", ct ? (int)strcspn(ct + 16, "\r") : 0, ct ? ct + 16 : "");
	*blen = n - (size_t)(hend + 4 - resp);
	assert_true(*blen <= size);
	memcpy(body, hend + 4, *blen);
	free(resp);
	return code;
}

static void expect_file(int port, const char *url, const char *file, const char *type)
{
	char *body = malloc(1 << 20), *want = malloc(1 << 20), ct[96];
	size_t blen;
	ssize_t wlen;
	int fd = open(file, O_RDONLY);

	assert_true(fd >= 0);
	wlen = read(fd, want, 1 << 20);
	close(fd);
	assert_true(wlen > 0);
	assert_int_equal(http_get(port, "GET", url, body, 1 << 20, &blen, ct, sizeof(ct)), 200);
	assert_int_equal(blen, (size_t)wlen);
	assert_memory_equal(body, want, blen);
	assert_string_equal(ct, type);
	free(body);
	free(want);
}

static int http_code(int port, const char *method, const char *path)
{
	char body[4096], ct[96];
	size_t blen;

	return http_get(port, method, path, body, sizeof(body), &blen, ct, sizeof(ct));
}

#define HTML	"text/html; charset=utf-8"
#define JS	"text/javascript; charset=utf-8"

/* A WebSocket upgrade on @port: 101, then the server's RFB version in a binary frame. */
static void expect_websocket_rfb(int port)
{
	static const char req[] =
		"GET /websockify HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Protocol: binary\r\n\r\n";
	char buf[1024] = { 0 };
	uint8_t frame[2 + 12];
	size_t n = 0;
	int fd = tcp_connect(port);

	assert_int_equal(write(fd, req, sizeof(req) - 1), sizeof(req) - 1);
	/* The answer's head, byte by byte so the frame after it stays unread. */
	while (n + 1 < sizeof(buf) && !strstr(buf, "\r\n\r\n") && read_n(fd, buf + n, 1) == 1)
		n++;
	if (strncmp(buf, "HTTP/1.1 101", 12))
		fail_msg("answer: %.80s", buf);
	assert_non_null(strstr(buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	/* FIN + binary, unmasked, 12 bytes: "RFB 003.008\n". */
	assert_int_equal(read_n(fd, frame, sizeof(frame)), sizeof(frame));
	assert_int_equal(frame[0], 0x82);
	assert_int_equal(frame[1], 12);
	assert_memory_equal(frame + 2, "RFB 003.008\n", 12);
	close(fd);
}

static void test_web(void **state)
{
	struct env *t = *state;
	char spec[160], path[128], *js = malloc(300000);
	struct console_vnc *vnc;
	rfbClient *cl;
	int port, stall;

	/* DIR: vnc.html, a big core/rfb.js, a symlink inside and one out, a dot file. */
	snprintf(path, sizeof(path), "%s/vnc.html", t->dir);
	write_file(path, "<html>ovb</html>\n", 17, 0644);
	for (size_t i = 0; i < 300000; i++)
		js[i] = (char)('a' + i * 7 % 26);
	snprintf(path, sizeof(path), "%s/core", t->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/core/rfb.js", t->dir);
	write_file(path, js, 300000, 0644);
	free(js);
	snprintf(path, sizeof(path), "%s/alias.html", t->dir);
	assert_int_equal(symlink("vnc.html", path), 0);
	snprintf(path, sizeof(path), "%s/out.js", t->dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/up.js", t->dir);
	assert_int_equal(symlink("../../etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/.secret", t->dir);
	write_file(path, "x", 1, 0644);

	snprintf(spec, sizeof(spec), "127.0.0.1:0,web=%s", t->dir);
	vnc = console_vnc_start(spec, t->video);
	assert_non_null(vnc);
	port = vnc_port(vnc);
	/* A client that never finishes its request holds nobody else up. */
	stall = tcp_connect(port);
	assert_int_equal(write(stall, "GET /vnc.html HTTP/1.1\r\n", 25), 25);

	snprintf(path, sizeof(path), "%s/vnc.html", t->dir);
	expect_file(port, "/vnc.html", path, HTML);
	expect_file(port, "/", path, HTML);
	expect_file(port, "/alias.html?autoconnect=1", path, HTML);
	snprintf(path, sizeof(path), "%s/core/rfb.js", t->dir);
	expect_file(port, "/core/rfb.js", path, JS);
	expect_file(port, "/core/%72fb.js#x", path, JS);

	assert_int_equal(http_code(port, "GET", "/../etc/passwd"), 403);
	assert_int_equal(http_code(port, "GET", "/core/../../etc/passwd"), 403);
	assert_int_equal(http_code(port, "GET", "/%2e%2e/etc/passwd"), 403);
	assert_int_equal(http_code(port, "GET", "/core/%2E%2E/%2E%2E/etc/passwd"), 403);
	assert_int_equal(http_code(port, "GET", "/out.js"), 403);
	assert_int_equal(http_code(port, "GET", "/up.js"), 403);
	assert_int_equal(http_code(port, "GET", "/.secret"), 403);
	assert_int_equal(http_code(port, "GET", "//etc/passwd"), 403);
	assert_int_equal(http_code(port, "GET", "/a%00b"), 403);
	assert_int_equal(http_code(port, "GET", "/missing.js"), 404);
	assert_int_equal(http_code(port, "GET", "/core"), 404);
	assert_int_equal(http_code(port, "POST", "/vnc.html"), 405);
	assert_int_equal(http_code(port, "HEAD", "/vnc.html"), 405);

	/* The same port still speaks WebSocket and plain RFB. */
	expect_websocket_rfb(port);
	cl = client_connect(port, "");
	assert_non_null(cl);
	assert_int_equal(cl->width, 640);
	client_close(cl);
	close(stall);
	console_vnc_stop(vnc);

	/* ",web": Debian's novnc package, as a browser loads it. */
	if (!access(VNC_WEB_DEFAULT_DIR "/vnc.html", R_OK)) {
		vnc = console_vnc_start("127.0.0.1:0,web", t->video);
		assert_non_null(vnc);
		port = vnc_port(vnc);
		expect_file(port, "/vnc.html", VNC_WEB_DEFAULT_DIR "/vnc.html", HTML);
		expect_file(port, "/core/rfb.js", VNC_WEB_DEFAULT_DIR "/core/rfb.js", JS);
		expect_file(port, "/app/ui.js", VNC_WEB_DEFAULT_DIR "/app/ui.js", JS);
		console_vnc_stop(vnc);
	}
}

static void test_web_paths(void **state)
{
	char out[64];

	(void)state;
#define OK(in, want)                                                            \
	do {                                                                   \
		assert_int_equal(vnc_web_path(in, strlen(in), out, sizeof(out)), 0); \
		assert_string_equal(out, want);                                \
	} while (0)
#define BAD(in) assert_int_equal(vnc_web_path(in, strlen(in), out, sizeof(out)), -1)
	OK("/", "vnc.html");
	OK("/?x=1", "vnc.html");
	OK("/app/ui.js", "app/ui.js");
	OK("/a%20b.js?q#f", "a b.js");
	OK("/v1.2/x.js", "v1.2/x.js");
	BAD("");
	BAD("vnc.html");
	BAD("/..");
	BAD("/a/../b");
	BAD("/%2e./b");
	BAD("/a/");
	BAD("/a//b");
	BAD("/%");
	BAD("/%4");
	BAD("/%zz");
	BAD("/a%0ab");
	BAD("/a%7f");
	BAD("/0123456789012345678901234567890123456789012345678901234567890123456789");
	/* The classifier: GET without upgrade is a file; an upgrade is libvncserver's. */
	assert_int_equal(vnc_web_is_file_request("", 0), -1);
	assert_int_equal(vnc_web_is_file_request("GE", 2), -1);
	assert_int_equal(vnc_web_is_file_request("GET / HTTP/1.1\r\n", 16), -1);
	assert_int_equal(vnc_web_is_file_request("GET / HTTP/1.1\r\n\r\n", 18), 1);
	assert_int_equal(vnc_web_is_file_request("POST / HTTP/1.1\r\n\r\n", 19), 1);
	assert_int_equal(vnc_web_is_file_request("RFB 003.008\n", 12), 0);
	assert_int_equal(vnc_web_is_file_request("\x01\x02", 2), 0);
	{
		static const char up[] = "GET /websockify HTTP/1.1\r\nHost: x\r\n"
					 "upgrade: WebSocket\r\n\r\n";

		assert_int_equal(vnc_web_is_file_request(up, sizeof(up) - 1), 0);
	}
	assert_string_equal(vnc_web_content_type("a/b.JS"), JS);
	assert_string_equal(vnc_web_content_type("x.svg"), "image/svg+xml");
	assert_string_equal(vnc_web_content_type("noext"), "application/octet-stream");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extended_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extended_key_unannounced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web, setup, teardown),
		cmocka_unit_test(test_web_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
