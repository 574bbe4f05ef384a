#!/bin/sh
# The demo's guest side (the root image's /test.sh): what a user would look
# at first, then a watch for the disk the host hot-adds.
echo "guest: $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPU"
echo "guest: root filesystem: $(grep ' / ' /proc/mounts | cut -d' ' -f1-3)"
echo "guest: modules: $(cut -d' ' -f1 /proc/modules | grep ovb_ | tr '\n' ' ')"
dmesg | grep -E "ovb_hv|ovb_vmbus|VSTOR" | sed 's/^\[[ 0-9.]*\] /guest dmesg: /'
for d in /sys/bus/vmbus/devices/*; do
	echo "guest vmbus device: $(basename "$d") class $(cat "$d/class_id") driver $(basename "$(readlink "$d/driver")")"
done
echo GUEST-READY
i=0
while [ ! -b /dev/sdb ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
[ -b /dev/sdb ] && echo "guest: new disk /dev/sdb, $(($(cat /sys/block/sdb/size) / 2048)) MiB, after ${i} s"
sleep 600
