// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The static file server for noVNC (vnc_web.h). Everything a browser
 * sends is untrusted: the head is bounded (VNC_WEB_MAX_HEAD), reads and
 * writes time out, the path is checked lexically here and then opened
 * with RESOLVE_BENEATH, so neither '..' nor a symlink reaches outside
 * DIR. Nothing the client sends is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hostside/console/vnc_web.h"

#define VNC_WEB_HEAD_MS		5000	/* to send the whole request head */
#define VNC_WEB_TOTAL_MS	60000	/* for the whole request, answer included */
#define VNC_WEB_MAX_PATH	256

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The socket's timeouts: what is left until @deadline (ms), so a client
 * that trickles bytes in or out cannot hold the thread longer. -1 when
 * the time is up.
 */
static int left_until(int fd, uint64_t deadline)
{
	uint64_t now = mono_ms();
	struct timeval tv;

	if (now >= deadline)
		return -1;
	tv.tv_sec = (time_t)((deadline - now) / 1000);
	tv.tv_usec = (suseconds_t)((deadline - now) % 1000 * 1000);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Does @line (up to @end) name header @name (case-insensitive)? Its value or NULL. */
static const char *header_value(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	return line + n + 1;
}

static bool value_has(const char *v, const char *end, const char *word)
{
	size_t n = strlen(word);

	for (; v + n <= end; v++)
		if (!strncasecmp(v, word, n))
			return true;
	return false;
}

int vnc_web_is_file_request(const char *buf, size_t n)
{
	static const char *const methods[] = { "GET ", "HEAD ", "POST ", "PUT ", "DELETE ",
					       "OPTIONS ", "PATCH ", "TRACE ", "CONNECT " };
	const char *end, *line;
	bool maybe = false;

	/* An HTTP method and a space. RFB clients send nothing before the server. */
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t m = strlen(methods[i]);

		if (!strncmp(buf, methods[i], n < m ? n : m)) {
			if (n >= m)
				break;
			maybe = true;	/* a prefix so far */
		}
		if (i + 1 == sizeof(methods) / sizeof(methods[0]))
			return maybe ? -1 : 0;
	}
	end = memmem(buf, n, "\r\n\r\n", 4);
	if (!end)
		return n < VNC_WEB_MAX_HEAD ? -1 : 1;	/* too long: ours to refuse */
	/* A WebSocket upgrade goes to libvncserver; any other request is a file. */
	for (line = memchr(buf, '\n', (size_t)(end - buf)); line && line < end;
	     line = memchr(line, '\n', (size_t)(end - line))) {
		const char *eol, *v;

		line++;
		eol = memchr(line, '\r', (size_t)(end + 2 - line));
		if (!eol)
			break;
		v = header_value(line, eol, "Upgrade");
		if (v && value_has(v, eol, "websocket"))
			return 0;
	}
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vnc_web_path(const char *target, size_t len, char *out, size_t outlen)
{
	size_t o = 0, seg = 0;

	if (!len || target[0] != '/' || outlen < 2)
		return -1;
	for (size_t i = 1; i < len && target[i] != '?' && target[i] != '#'; i++) {
		int c = (unsigned char)target[i];

		if (c == '%') {
			int hi = i + 2 < len ? hexval(target[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(target[i + 2]) : -1;

			if (lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -1;
		/* No empty segment, and none that starts with '.' ('.', '..', dot files). */
		if (c == '/') {
			if (o == seg)
				return -1;
			seg = o + 1;
		} else if (c == '.' && o == seg) {
			return -1;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	if (!o) {
		snprintf(out, outlen, "vnc.html");
		return 0;
	}
	if (o == seg)		/* a directory */
		return -1;
	out[o] = 0;
	return 0;
}

const char *vnc_web_content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },	/* ES modules need it */
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".svg", "image/svg+xml" },
		{ ".ico", "image/x-icon" },
		{ ".mp3", "audio/mpeg" },
		{ ".oga", "audio/ogg" },
		{ ".ogg", "audio/ogg" },
		{ ".woff", "font/woff" },
		{ ".woff2", "font/woff2" },
		{ ".ttf", "font/ttf" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && !strcasecmp(path + n - e, types[i].ext))
			return types[i].type;
	}
	return "application/octet-stream";
}

static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t k;

		if (left_until(fd, deadline))
			return -1;
		k = send(fd, buf, len, MSG_NOSIGNAL);

		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return -1;
		}
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

static void reply_status(int fd, const char *status, const char *extra, uint64_t deadline)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n%s\n",
			 status, strlen(status) + 1, extra, status);

	(void)send_all(fd, h, (size_t)n, deadline);
}

/* The request head, up to its blank line, in @buf (NUL-terminated). Its length, or -1. */
static int read_head(int fd, char *buf, size_t size, uint64_t deadline)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t k;

		if (left_until(fd, deadline))
			return -1;
		k = recv(fd, buf + n, size - 1 - n, 0);

		if (k <= 0)
			return -1;
		n += (size_t)k;
		buf[n] = 0;
		if (memmem(buf, n, "\r\n\r\n", 4))
			return (int)n;
	}
	return -1;
}

static void serve_file(int dirfd, int fd, const char *path, uint64_t deadline)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	char h[320], buf[65536];
	struct stat st;
	int f, n;

	f = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (f < 0) {
		/* EXDEV, ELOOP: the path tried to leave DIR. */
		reply_status(fd, errno == ENOENT || errno == ENOTDIR ? "404 Not Found" :
				 "403 Forbidden", "", deadline);
		return;
	}
	if (fstat(f, &st) || !S_ISREG(st.st_mode)) {
		reply_status(fd, "404 Not Found", "", deadline);
		close(f);
		return;
	}
	n = snprintf(h, sizeof(h),
		     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
		     "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n"
		     "Connection: close\r\n\r\n",
		     vnc_web_content_type(path), (long long)st.st_size);
	if (send_all(fd, h, (size_t)n, deadline) == 0) {
		/* Only the size announced, even if the file grows meanwhile. */
		for (off_t left = st.st_size; left > 0;) {
			ssize_t k = read(f, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));

			if (k <= 0 || send_all(fd, buf, (size_t)k, deadline))
				break;
			left -= k;
		}
	}
	close(f);
}

void vnc_web_serve(int dirfd, int fd)
{
	char head[VNC_WEB_MAX_HEAD + 1], path[VNC_WEB_MAX_PATH];
	uint64_t start = mono_ms(), end = start + VNC_WEB_TOTAL_MS;
	const char *target, *sp;
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	if (read_head(fd, head, sizeof(head), start + VNC_WEB_HEAD_MS) < 0) {
		reply_status(fd, "400 Bad Request", "", end);
		goto out;
	}
	if (strncmp(head, "GET ", 4)) {
		reply_status(fd, "405 Method Not Allowed", "Allow: GET\r\n", end);
		goto out;
	}
	target = head + 4;
	sp = strpbrk(target, " \r\n");
	if (!sp || *sp != ' ' || strncmp(sp + 1, "HTTP/1.", 7)) {
		reply_status(fd, "400 Bad Request", "", end);
		goto out;
	}
	if (vnc_web_path(target, (size_t)(sp - target), path, sizeof(path))) {
		reply_status(fd, "403 Forbidden", "", end);
		goto out;
	}
	serve_file(dirfd, fd, path, end);
out:
	shutdown(fd, SHUT_WR);
	close(fd);
}
