# The control socket (linked into ovb-host) and its client.
CTL_OBJS := hostside/ctl/ctl.o
PROGS += ovbctl
ovbctl_OBJS := hostside/ctl/ovbctl.o
