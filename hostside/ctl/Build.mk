# The control socket (linked into ovb-host) and its client; answers are JSON.
CTL_OBJS := hostside/ctl/ctl.o hostside/ctl/vm_cmds.o
CTL_LDLIBS := -ljson-c
PROGS += ovbctl
ovbctl_OBJS := hostside/ctl/ovbctl.o
ovbctl_LDLIBS := -ljson-c
