# Integration-service VSPs.
ICVSP_OBJS := hostside/icvsp/ic.o hostside/icvsp/heartbeat.o hostside/icvsp/shutdown.o \
	      $(IC_NEGOTIATE_OBJS)
