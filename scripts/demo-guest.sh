#!/bin/sh
# The demo's guest side: what a user would look at first.
echo "guest: $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPU"
dmesg | grep -E "Hypervisor detected|Vmbus version|Shutdown IC version|Heartbeat IC version" |
	sed 's/^\[[ 0-9.]*\] /guest dmesg: /'
echo "guest clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for d in /sys/bus/vmbus/devices/*; do
	echo "guest vmbus device: $(basename "$d") class $(cat "$d/class_id") driver $(basename "$(readlink "$d/driver")")"
done
echo GUEST-READY
sleep 600
