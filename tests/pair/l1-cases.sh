#!/bin/sh
# Runs inside L1 (via l1run): each case's .l1 script in a shell of its own
# (its own process group, so a case that overruns its time limit can be
# killed whole), one after the other. Helpers: l1lib.sh.
#
# A case's limit is 300 s unless its .l1 says "# timeout: SECONDS" (with
# PAIR_LONG=1, "# timeout-long: SECONDS" if it has one). Lines:
# "case: NAME" when it starts, "case: NAME done (N s)" when it ends. In
# between, after the case's own lines, the verdict on its L2 consoles
# (l1lib.sh's l2_consoles_verdict: each boot's script reached its end, no
# kernel error report) — every case gets it, none has to ask.
. "$(pwd)/tests/pair/l1lib.sh"
SCRATCH=$PAIR_DIR/scratch

# Every 10 s a line for the host: l1run's idle watchdog takes silence for a
# wedged L1 (PAIR_IDLE, 60 s: six ticks; ticks 30 s apart were never seen
# more than 34 s apart, even at load 10 on two cores), so the sooner the
# tick, the sooner a wedge is found. Every third tick also copies the
# running case's console and host logs to the scratch directory, so that a
# wedged L1 still leaves the host its last lines. A tick that came more
# than 30 s after the one before means L1 itself stalled (a stall it came
# back from): noted in /tmp/.l1-stalls.
alive() {
	last=$(date +%s) n=0
	echo "l1-alive: up $(cut -d' ' -f1 /proc/uptime) s, start"
	while sleep 10; do
		now=$(date +%s)
		[ $((now - last)) -le 30 ] || echo "$now $((now - last))" >> /tmp/.l1-stalls
		last=$now
		c=$(cat /tmp/.case 2>/dev/null)
		echo "l1-alive: up $(cut -d' ' -f1 /proc/uptime) s, load $(cut -d' ' -f1-3 /proc/loadavg), case $c"
		n=$((n + 1))
		[ $((n % 3)) = 0 ] || continue
		for f in serial host; do
			[ -f "/tmp/$c.$f" ] || continue
			tail -c 65536 "/tmp/$c.$f" > "$SCRATCH/last.$f.tmp" &&
				mv "$SCRATCH/last.$f.tmp" "$SCRATCH/last.$f"
		done
	done
}
alive &
alive_pid=$!
rm -f "$SCRATCH/last.serial" "$SCRATCH/last.host"

for CASE in "$@"; do
	echo "case: $CASE"
	echo "$CASE" > /tmp/.case
	export CASE
	t0=$(date +%s)
	rm -f /tmp/"$CASE".serial /tmp/"$CASE".serial.[0-9]*
	dmesg0=$(dmesg | wc -l)
	limit=$(sed -n 's/^# timeout: //p' "$REPO/tests/pair/cases/$CASE.l1")
	[ "$PAIR_LONG" != 1 ] ||
		limit=$(sed -n 's/^# timeout-long: //p' "$REPO/tests/pair/cases/$CASE.l1" | grep . || echo "$limit")
	limit=${limit:-300}
	setsid sh -c '
		. "$REPO/tests/pair/l1lib.sh"
		. "$REPO/tests/pair/cases/$CASE.l1"
		if [ -n "${OVB_PID:-}" ] && kill -0 "$OVB_PID" 2>/dev/null; then
			echo "FAIL: $CASE: ovb-host still running at the end of the case"
			kill -9 "$OVB_PID"
		fi' &
	pid=$!
	if ! wait_pid "$pid" "$limit"; then
		echo "FAIL: $CASE: the case ran past its limit of $limit s"
		echo "--- last L2 console lines"
		tail -n 40 "/tmp/$CASE.serial" 2>/dev/null
		echo "--- last ovb-host lines"
		tail -n 15 "/tmp/$CASE.host" 2>/dev/null
		echo "--- processes"
		ps -eo pid,stat,etime,args | grep -v -e ' \[' -e 'ps -eo' | tail -n 25
		echo "---"
		kill -9 -- "-$pid" 2>/dev/null
		pkill -9 -f "^$OVB_HOST" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# Every L2 boot's console, judged the same way for every case. Did L1
	# stall meanwhile (a late tick, or L1's own kernel saw a lockup)?
	stalled=0
	awk -v t0="$t0" '$1 >= t0 { f = 1 } END { exit !f }' /tmp/.l1-stalls 2>/dev/null && stalled=1
	dmesg | tail -n +$((dmesg0 + 1)) | "$REPO/tests/pair/consolescan" > /tmp/.l1scan 2>&1 || true
	grep -q '^consolescan: lockup:' /tmp/.l1scan && stalled=1
	[ "$stalled" = 0 ] || echo "case: $CASE: L1 stalled during the case"
	l2_consoles_verdict "$CASE" "$stalled"
	echo "case: $CASE done ($(($(date +%s) - t0)) s)"
done
kill "$alive_pid" 2>/dev/null
exit 0
