// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-host: a KVM VMM that gives a Linux guest the Hyper-V interface and a
 * VMBus server. This file only parses options and wires the layers:
 * vmm (KVM) -> hv (Hyper-V) -> vmbus server -> VSPs, plus the control
 * socket.
 *
 * Exit status: 0 the guest powered off, 2 it asked for a reboot, 3 it
 * crashed (after the crash report), 1 an error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostside/vmm/vm.h"
#include "hostside/glue.h"
#include "hostside/hv/hv.h"
#include "hostside/log.h"
#include "hostside/vmbus/server.h"

int log_verbose;

#define MAX_DISKS 16

struct options {
	const char *kernel, *initrd, *append, *serial, *ctl;
	const char *disks[MAX_DISKS];
	unsigned int ndisks;
	uint64_t memory;
	unsigned int cpus;
	struct vmbus_faults faults;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ovb-host --kernel FILE [--initrd FILE] [--append CMDLINE]\n"
		"                [--memory SIZE] [--cpus N] [--serial stdio|file:PATH|unix:PATH|none]\n"
		"                [--ctl PATH] [--disk PATH[,ro][,direct][,serial=S]]... [--verbose]\n"
		"                [--fault KIND[,KIND...]]...\n"
		"\n"
		"  -k, --kernel FILE    Linux bzImage to boot\n"
		"  -i, --initrd FILE    initramfs\n"
		"  -a, --append STR     kernel command line (console=ttyS0 is the serial port)\n"
		"  -m, --memory SIZE    guest RAM, e.g. 512M or 2G (default 512M, at least 64M)\n"
		"  -c, --cpus N         vCPUs (default 1, at most %d)\n"
		"  -s, --serial SPEC    serial console: stdio (default), file:PATH, unix:PATH, none\n"
		"      --ctl PATH       control socket for ovbctl\n"
		"  -d, --disk SPEC      a SCSI disk: PATH[,ro][,direct][,serial=S] (repeatable)\n"
		"  -v, --verbose        log more\n"
		"      --fault KINDS    misbehave towards the guest on purpose, for testing:\n"
		"                       " VMBUS_FAULT_NAMES "\n"
		"\n"
		"Exit status: 0 guest powered off, 2 guest rebooted, 3 guest crashed, 1 error.\n",
		VM_MAX_VCPUS);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': v <<= 20; break;	/* plain numbers are MiB */
	default: return -1;
	}
	if (*end && strcmp(end, "iB") && strcmp(end, "B"))
		return -1;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "serial", required_argument, NULL, 's' },
		{ "ctl", required_argument, NULL, 'C' },
		{ "disk", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fault", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .append = "console=ttyS0", .serial = "stdio",
			       .memory = 512ull << 20, .cpus = 1 };
	while ((c = getopt_long(argc, argv, "k:i:a:m:c:s:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 's': o->serial = optarg; break;
		case 'C': o->ctl = optarg; break;
		case 'd':
			if (o->ndisks == MAX_DISKS) {
				log_err("at most %d --disk options", MAX_DISKS);
				return -1;
			}
			o->disks[o->ndisks++] = optarg;
			break;
		case 'v': log_verbose = 1; break;
		case 'F':
			if (vmbus_faults_parse(optarg, &o->faults)) {
				log_err("bad --fault '%s' (%s)", optarg, VMBUS_FAULT_NAMES);
				return -1;
			}
			break;
		case 'm':
			if (parse_size(optarg, &o->memory)) {
				log_err("bad --memory '%s' (e.g. 512M, 2G)", optarg);
				return -1;
			}
			break;
		case 'c': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1 || n > VM_MAX_VCPUS) {
				log_err("bad --cpus '%s' (1 to %d)", optarg, VM_MAX_VCPUS);
				return -1;
			}
			o->cpus = (unsigned int)n;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->kernel) {
		log_err("no kernel given (--kernel FILE)");
		return -1;
	}
	if (access(o->kernel, R_OK)) {
		log_err("kernel %s: %s", o->kernel, strerror(errno));
		return -1;
	}
	if (o->initrd && access(o->initrd, R_OK)) {
		log_err("initrd %s: %s", o->initrd, strerror(errno));
		return -1;
	}
	if (o->memory < VM_MIN_MEM) {
		log_err("--memory %lluM is too little: at least %lluM",
			(unsigned long long)(o->memory >> 20),
			(unsigned long long)(VM_MIN_MEM >> 20));
		return -1;
	}
	if (o->memory & 0xfffff) {
		log_err("--memory must be a whole number of MiB");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct vm vm;
	struct options o;
	enum vm_exit_reason why;
	struct hv *hv;
	struct host *host;

	signal(SIGPIPE, SIG_IGN);
	if (parse_options(argc, argv, &o))
		return 1;
	if (vm_create(&vm, o.memory, o.cpus) || vm_create_vcpus(&vm))
		return 1;
	hv = hv_create(&vm);
	if (!hv)
		return 1;
	if (serial_init(&vm, o.serial) || platform_init(&vm))
		return 1;
	if (vm_load_linux(&vm, o.kernel, o.initrd, o.append))
		return 1;
	host = host_vmbus_start(&vm, hv, o.disks, o.ndisks);
	if (!host)
		return 1;
	if (o.faults.kinds)
		host_set_faults(host, &o.faults);
	if (o.ctl && host_ctl_start(host, o.ctl))
		return 1;
	if (hv_start(hv))
		return 1;

	why = vm_run(&vm);
	hv_stop(hv);
	host_stop(host);
	switch (why) {
	case VM_POWEROFF:
		log_info("guest powered off");
		return 0;
	case VM_REBOOT:
		log_info("guest requested reboot");
		return 2;
	case VM_CRASH:
		return 3;
	default:
		return 1;
	}
}
