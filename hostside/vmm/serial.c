// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A 16550A UART at COM1 (0x3f8, IRQ 4): enough of it for Linux's 8250
 * driver to detect a 16550A with FIFOs and to transmit with interrupts.
 * Output goes to stdout, a file, or a unix socket's client; input (for an
 * interactive console) comes from stdin when the output is stdio and it
 * is a terminal or pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostside/vmm/vm.h"
#include "hostside/log.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ  4

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0
#define UART_LCR_DLAB	0x80
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MCR_LOOP	0x10
#define UART_FCR_ENABLE	0x01

struct serial {
	pthread_mutex_t lock;
	int out_fd, in_fd, listen_fd;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;
	uint8_t rx[64];
	unsigned int rx_head, rx_len;
	int irq_level;
};

static struct serial com1;

static void serial_update_irq(struct vm *vm, struct serial *s)
{
	int level = ((s->ier & UART_IER_THRI) && s->thri_pending) ||
		    ((s->ier & UART_IER_RDI) && s->rx_len);

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(vm, COM1_IRQ, level);
	}
}

/* The console's last bytes, for the crash report. */
static char tail[16384];
static size_t tail_len;

void serial_report_panic(void)
{
	char *p = NULL, *q, *end;

	pthread_mutex_lock(&com1.lock);
	tail[tail_len < sizeof(tail) ? tail_len : sizeof(tail) - 1] = '\0';
	for (q = tail; (q = strstr(q, "Kernel panic - not syncing:")); q++)
		p = q;
	if (p) {
		end = strchr(p, '\n');
		if (end)
			*end = '\0';
		log_err("guest panic message: %s", p);
	} else {
		log_err("guest panic message: (none on the console)");
	}
	pthread_mutex_unlock(&com1.lock);
}

static void serial_out(struct serial *s, uint8_t c)
{
	if (tail_len == sizeof(tail) - 1) {
		memmove(tail, tail + sizeof(tail) / 2, sizeof(tail) / 2 - 1);
		tail_len = sizeof(tail) / 2 - 1;
	}
	tail[tail_len++] = (char)c;
	if (s->out_fd >= 0 && write(s->out_fd, &c, 1) < 0 && s->listen_fd >= 0) {
		close(s->out_fd);	/* the socket client went away */
		s->out_fd = -1;
	}
}

static int serial_pio(struct vm *vm, void *opaque, uint16_t port, bool write,
		      uint8_t *data, unsigned int size)
{
	struct serial *s = opaque;
	unsigned int reg = port - COM1_BASE;
	bool dlab;

	(void)size;
	pthread_mutex_lock(&s->lock);
	dlab = s->lcr & UART_LCR_DLAB;
	if (write) {
		uint8_t v = *data;

		switch (reg) {
		case 0:
			if (dlab) {
				s->dll = v;
			} else {
				if (!(s->mcr & UART_MCR_LOOP))
					serial_out(s, v);
				s->thri_pending = true;	/* sent at once: empty again */
			}
			break;
		case 1:
			if (dlab) {
				s->dlm = v;
			} else {
				if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
					s->thri_pending = true;
				s->ier = v & 0x0f;
			}
			break;
		case 2:
			s->fcr = v;
			break;
		case 3:
			s->lcr = v;
			break;
		case 4:
			s->mcr = v;
			break;
		case 7:
			s->scr = v;
			break;
		}
	} else {
		uint8_t v = 0;

		switch (reg) {
		case 0:
			if (dlab) {
				v = s->dll;
			} else if (s->rx_len) {
				v = s->rx[s->rx_head];
				s->rx_head = (s->rx_head + 1) % sizeof(s->rx);
				s->rx_len--;
			}
			break;
		case 1:
			v = dlab ? s->dlm : s->ier;
			break;
		case 2:
			if ((s->ier & UART_IER_RDI) && s->rx_len) {
				v = UART_IIR_RDI;
			} else if ((s->ier & UART_IER_THRI) && s->thri_pending) {
				v = UART_IIR_THRI;
				s->thri_pending = false;	/* reading IIR clears THRI */
			} else {
				v = UART_IIR_NO_INT;
			}
			if (s->fcr & UART_FCR_ENABLE)
				v |= UART_IIR_FIFO;
			break;
		case 3:
			v = s->lcr;
			break;
		case 4:
			v = s->mcr;
			break;
		case 5:
			v = UART_LSR_THRE | UART_LSR_TEMT | (s->rx_len ? UART_LSR_DR : 0);
			break;
		case 6:
			/* Loopback reflects MCR; otherwise carrier, DSR and CTS up. */
			v = (s->mcr & UART_MCR_LOOP) ? (uint8_t)((s->mcr & 0x0f) << 4) : 0xb0;
			break;
		case 7:
			v = s->scr;
			break;
		}
		*data = v;
	}
	serial_update_irq(vm, s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

struct serial_rx_arg {
	struct vm *vm;
};

/* Feeds stdin (or the socket client) into the receive FIFO. */
static void *serial_rx_thread(void *arg)
{
	struct vm *vm = arg;
	struct serial *s = &com1;

	for (;;) {
		uint8_t c;
		ssize_t n;
		int fd;

		if (s->listen_fd >= 0 && s->out_fd < 0) {
			fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				return NULL;
			pthread_mutex_lock(&s->lock);
			s->out_fd = s->in_fd = fd;
			pthread_mutex_unlock(&s->lock);
		}
		fd = s->in_fd;
		if (fd < 0)
			return NULL;
		n = read(fd, &c, 1);
		if (n <= 0) {
			if (s->listen_fd < 0)
				return NULL;
			pthread_mutex_lock(&s->lock);
			close(fd);
			s->out_fd = s->in_fd = -1;
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		if (s->rx_len < sizeof(s->rx)) {
			s->rx[(s->rx_head + s->rx_len) % sizeof(s->rx)] = c;
			s->rx_len++;
		}
		serial_update_irq(vm, s);
		pthread_mutex_unlock(&s->lock);
	}
}

int serial_init(struct vm *vm, const char *spec)
{
	struct serial *s = &com1;
	pthread_t t;

	memset(s, 0, sizeof(*s));
	tail_len = 0;
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = s->in_fd = s->listen_fd = -1;
	if (!strcmp(spec, "stdio")) {
		s->out_fd = STDOUT_FILENO;
		s->in_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	} else if (!strncmp(spec, "file:", 5)) {
		s->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->out_fd < 0) {
			log_err("serial %s: %s", spec + 5, strerror(errno));
			return -1;
		}
	} else if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(spec + 5) >= sizeof(sa.sun_path)) {
			log_err("serial socket path too long");
			return -1;
		}
		strcpy(sa.sun_path, spec + 5);
		unlink(sa.sun_path);
		s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s->listen_fd < 0 || bind(s->listen_fd, (void *)&sa, sizeof(sa)) < 0 ||
		    listen(s->listen_fd, 1) < 0) {
			log_err("serial socket %s: %s", sa.sun_path, strerror(errno));
			return -1;
		}
	} else if (strcmp(spec, "none")) {
		log_err("bad --serial '%s' (stdio, file:PATH, unix:PATH or none)", spec);
		return -1;
	}
	if (s->in_fd >= 0 || s->listen_fd >= 0) {
		pthread_create(&t, NULL, serial_rx_thread, vm);
		pthread_detach(t);
	}
	return vm_register_pio(vm, COM1_BASE, 8, serial_pio, s);
}
