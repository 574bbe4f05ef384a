#!/bin/sh
# bench/storage/fio.sh [TARGET]: the storage benchmark's fio jobs, one after
# another, each printed as one line
#
#   BENCH: JOB IOPS KiB/s LAT_AVG_US LAT_P99_US
#
# (latency: fio's total latency, submission + completion)
#
# TARGET is a block device or file. Without it (as the L2 guest's
# /test.sh) the device is /dev/<bench.dev=...> from the kernel command
# line, waited for; bench.runtime=S sets the seconds per job (RUNTIME in
# the environment does the same when run directly). O_DIRECT (FIO_DIRECT=0:
# buffered, for a file on tmpfs), io_uring.
set -u
cmdline() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n1; }

target=${1:-}
runtime=${RUNTIME:-$(cmdline bench.runtime)}
runtime=${runtime:-10}
if [ -z "$target" ]; then
	dev=$(cmdline bench.dev)
	i=0
	while [ ! -b "/dev/$dev" ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
	if [ ! -b "/dev/$dev" ]; then
		echo "BENCH-ERROR: no /dev/$dev after 60 s"
		ls /sys/block | sed 's/^/INFO: block: /'
		exit 1
	fi
	target=/dev/$dev
	echo "INFO: $target: $(cat /sys/block/"$dev"/size) sectors," \
		"max_sectors_kb $(cat /sys/block/"$dev"/queue/max_sectors_kb)," \
		"nr_requests $(cat /sys/block/"$dev"/queue/nr_requests)," \
		"hw queues $(ls /sys/block/"$dev"/mq 2>/dev/null | wc -l)," \
		"scheduler $(sed 's/.*\[\(.*\)\].*/\1/' /sys/block/"$dev"/queue/scheduler)"
	# what else in the guest shapes its exits: its clocks
	echo "INFO: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)," \
		"clockevent $(cat /sys/devices/system/clockevents/clockevent0/current_device)"
fi

# bench.hist=1: which hrtimers fire in the guest during each job (tracefs
# hist trigger), the five most frequent as INFO lines: a timer that fires
# costs exits (reprogramming, EOI) under nested virtualization.
T=/sys/kernel/tracing/events/timer/hrtimer_expire_entry
HIST=
if [ "$(cmdline bench.hist)" = 1 ]; then
	[ -d /sys/kernel/tracing/events ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	[ -w $T/trigger ] && HIST=1
fi

# job NAME RW BS QD
job() {
	# a mark on the console: the host side counts KVM exits per job by it
	echo "BENCH-JOB: $1"
	[ -z "$HIST" ] || echo 'hist:keys=function.sym' > $T/trigger
	read -r _ u0 n0 s0 i0 w0 q0 sq0 _ < /proc/stat
	fio --name="$1" --filename="$target" --rw="$2" --bs="$3" --iodepth="$4" \
		--direct="${FIO_DIRECT:-1}" --ioengine=io_uring --norandommap --randrepeat=0 \
		--time_based --runtime="$runtime" --ramp_time=1 \
		--lat_percentiles=1 --clat_percentiles=0 \
		--output-format=terse --terse-version=3 > /tmp/fio.$$ 2>/tmp/fio.$$.err
	# where the guest's CPU went during the job (fio's start-up included)
	read -r _ u1 n1 s1 i1 w1 q1 sq1 _ < /proc/stat
	echo "$1 $((u1 + n1 - u0 - n0)) $((s1 - s0)) $((q1 + sq1 - q0 - sq0)) $((i1 + w1 - i0 - w0))" |
		awk '{ t = $2 + $3 + $4 + $5; if (t > 0) printf "INFO: %s guest CPU: user %d%%, system %d%%, irq+softirq %d%%, idle %d%%\n",
			$1, 100 * $2 / t, 100 * $3 / t, 100 * $4 / t, 100 * $5 / t }'
	if [ -n "$HIST" ]; then
		grep '^{' $T/hist | sort -t: -k3 -n -r | head -n 5 | tr -s ' ' | sed "s/^/INFO: $1 hrtimer: /"
		echo '!hist:keys=function.sym' > $T/trigger
	fi
	# terse v3: the read half is fields 6..46, the write half 47..87;
	# within each: +1 KiB/s, +2 IOPS, +24 the 99th percentile ("99.000000%=N";
	# total latency with lat_percentiles=1), +34 the total latency mean; us.
	case $2 in *write) o=41 ;; *) o=0 ;; esac
	line=$(grep '^3;' /tmp/fio.$$ | tail -n1)
	if [ -z "$line" ] || [ "$(echo "$line" | cut -d';' -f5)" != 0 ]; then
		echo "BENCH: $1 error"
		sed 's/^/INFO: fio: /' /tmp/fio.$$.err | head -n 5
		return
	fi
	echo "$line" | awk -F';' -v o=$o -v n="$1" '{
		p99 = $(o + 30); sub(/.*=/, "", p99)
		printf "BENCH: %s %.0f %.0f %.1f %s\n", n, $(o + 8), $(o + 7), $(o + 40), p99 }'
}

up() { cut -d' ' -f1 /proc/uptime; }
echo "INFO: jobs start $(up) s after boot, $runtime s each"
# bench.jobs=A,B (or JOBS="A B"): only these jobs, by name
only=$(echo "${JOBS:-$(cmdline bench.jobs)}" | tr ',' ' ')
want() { [ -z "$only" ] || case " $only " in *" $1 "*) ;; *) return 1 ;; esac; }
for j in "randread-4k-qd1 randread 4k 1" "randread-4k-qd32 randread 4k 32" \
	"randwrite-4k-qd1 randwrite 4k 1" "randwrite-4k-qd32 randwrite 4k 32" \
	"read-1m-qd8 read 1m 8" "write-1m-qd8 write 1m 8"; do
	# shellcheck disable=SC2086 # the four fields of one job
	set -- $j
	want "$1" && job "$@"
done
rm -f /tmp/fio.$$ /tmp/fio.$$.err
echo "INFO: jobs end $(up) s after boot"
echo "BENCH-DONE"
