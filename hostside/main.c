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

#include "hostside/devices.h"
#include "hostside/glue.h"
#include "hostside/hv/hv.h"
#include "hostside/log.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmm/vm.h"

int log_verbose;

struct options {
	const char *kernel, *initrd, *append, *serial, *ctl, *ctl_group;
	void *dev_cfgs[VSP_MAX_TYPES];	/* each device type's parsed options */
	uint64_t memory;
	unsigned int cpus;
	struct vmbus_faults faults;
};

/* The generic options; each device type adds its own from vsp_types[]. */
static const struct option generic_opts[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "append", required_argument, NULL, 'a' },
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "serial", required_argument, NULL, 's' },
	{ "ctl", required_argument, NULL, 'C' },
	{ "ctl-group", required_argument, NULL, 'G' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "fault", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
};
#define NGENERIC (sizeof(generic_opts) / sizeof(generic_opts[0]))
#define GENERIC_SHORT "k:i:a:m:c:s:vh"
/* getopt's value for vsp_types[i]'s long option. */
#define TYPE_OPT(i) (0x100 + (int)(i))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ovb-host --kernel FILE [--initrd FILE] [--append CMDLINE]\n"
		"                [--memory SIZE] [--cpus N] [--serial stdio|file:PATH|unix:PATH|none]\n"
		"                [--ctl PATH [--ctl-group GROUP]] [--verbose] [--fault KIND[,KIND...]]...\n");
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		if (vsp_types[i]->option)
			fprintf(f, "                [--%s %s]...\n", vsp_types[i]->option,
				vsp_types[i]->arg);
	fprintf(f,
		"\n"
		"  -k, --kernel FILE    Linux bzImage to boot\n"
		"  -i, --initrd FILE    initramfs\n"
		"  -a, --append STR     kernel command line (console=ttyS0 is the serial port)\n"
		"  -m, --memory SIZE    guest RAM, e.g. 512M or 2G (default 512M, at least 64M)\n"
		"  -c, --cpus N         vCPUs (default 1, at most %d)\n"
		"  -s, --serial SPEC    serial console: stdio (default), file:PATH, unix:PATH, none\n"
		"      --ctl PATH       control socket for ovbctl (mode 0600: root and this user)\n"
		"      --ctl-group GROUP  make it 0660 for GROUP's members too\n"
		"  -v, --verbose        log more\n"
		"      --fault KINDS    misbehave towards the guest on purpose, for testing:\n"
		"                       " VMBUS_FAULT_NAMES "\n",
		VM_MAX_VCPUS);
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		const struct vsp_type *t = vsp_types[i];
		char opt[64];

		if (!t->option)
			continue;
		snprintf(opt, sizeof(opt), "--%s %s", t->option, t->arg);
		if (t->short_opt)
			fprintf(f, "  -%c, %s\n", t->short_opt, opt);
		else
			fprintf(f, "      %s\n", opt);
		fprintf(f, "                       %s\n", t->help);
	}
	fprintf(f, "\nExit status: 0 guest powered off, 2 guest rebooted, 3 guest crashed, 1 error.\n");
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

/* A device type's option: the index of its type, or -1. */
static int type_of_opt(int c)
{
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		if (c == TYPE_OPT(i) || (vsp_types[i]->short_opt && c == vsp_types[i]->short_opt))
			return (int)i;
	return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	struct option longopts[NGENERIC + VSP_MAX_TYPES + 1];
	char shortopts[sizeof(GENERIC_SHORT) + 2 * VSP_MAX_TYPES];
	unsigned int n = NGENERIC, ns = sizeof(GENERIC_SHORT) - 1;
	int c, t;

	memcpy(longopts, generic_opts, sizeof(generic_opts));
	memcpy(shortopts, GENERIC_SHORT, ns);
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		if (!vsp_types[i]->option)
			continue;
		longopts[n++] = (struct option){ vsp_types[i]->option, required_argument, NULL,
						 TYPE_OPT(i) };
		if (vsp_types[i]->short_opt) {
			shortopts[ns++] = (char)vsp_types[i]->short_opt;
			shortopts[ns++] = ':';
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[ns] = '\0';

	*o = (struct options){ .append = "console=ttyS0", .serial = "stdio",
			       .memory = 512ull << 20, .cpus = 1 };
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		t = type_of_opt(c);
		if (t >= 0) {
			if (vsp_types[t]->parse(&o->dev_cfgs[t], optarg))
				return -1;
			continue;
		}
		switch (c) {
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 's': o->serial = optarg; break;
		case 'C': o->ctl = optarg; break;
		case 'G': o->ctl_group = optarg; break;
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
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > VM_MAX_VCPUS) {
				log_err("bad --cpus '%s' (1 to %d)", optarg, VM_MAX_VCPUS);
				return -1;
			}
			o->cpus = (unsigned int)v;
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
	if (parse_options(argc, argv, &o)) {
		vsp_cfgs_free(o.dev_cfgs);
		return 1;
	}
	if (vm_create(&vm, o.memory, o.cpus) || vm_create_vcpus(&vm))
		return 1;
	hv = hv_create(&vm);
	if (!hv)
		return 1;
	if (serial_init(&vm, o.serial) || platform_init(&vm))
		return 1;
	if (vm_load_linux(&vm, o.kernel, o.initrd, o.append))
		return 1;
	host = host_vmbus_start(&vm, hv, o.dev_cfgs);
	if (!host)
		return 1;
	if (o.faults.kinds)
		host_set_faults(host, &o.faults);
	if (o.ctl && host_ctl_start(host, o.ctl, o.ctl_group))
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
