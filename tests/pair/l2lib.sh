# shellcheck shell=sh
# Helpers for L2 test scripts (copied into every L2 initramfs as /l2lib.sh;
# a case's script sources it with `. /l2lib.sh`).

# check NAME SHELL-CODE: PASS if the code succeeds.
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }

# dmesg_bad: the kernel's error reports so far, as the harness judges them
# (tests/pair/consolescan, also in the image: the two warnings this nested
# environment always gives are excused by name), empty if none. The
# harness scans each boot's whole console after the case anyway; this is
# for a check at one point of a script. Lockup reports are left to the
# harness, which knows whether L1 stalled.
dmesg_bad() {
	dmesg | /consolescan --no-lockups
}

# disk_at H:C:T:L [SECONDS]: print /dev/sdX of that SCSI address once it has
# a block device (sd names follow probe order, which is not LUN order).
disk_at() {
	_i=0
	while [ "$_i" -le "${2:-30}" ]; do
		for _b in /sys/class/scsi_device/"$1"/device/block/*; do
			[ -e "$_b" ] && [ -b "/dev/${_b##*/}" ] && { echo "/dev/${_b##*/}"; return 0; }
		done
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}

# timesync_checks MODULE UNLOAD LOAD LOGLINE: the timesync cases. With
# MODULE's service unloaded the clock is set 10 s behind; once LOAD ran the
# wall clock and the PTP clock "hyperv" must be within 1 s of the host's
# time (tests/timesync/tsprobe.c measures both against ovb-host's RTC),
# LOGLINE in dmesg, and the PTP clock still within 1 s 11 s later (after
# samples, which come every 5 s).
timesync_checks() {
	_probe=/usr/local/bin/tsprobe
	eval "$2"
	_out=$("$_probe" --set-off -10); echo "$_out" | sed "s/^/INFO: /"
	check "clock 10 s behind the host with $1 unloaded ($(_ts_ms "$_out" REALTIME) ms)" \
		'test "$(_ts_ms "$_out" REALTIME)" -lt -8000'
	eval "$3"
	sleep 3
	_out=$("$_probe"); echo "$_out" | sed "s/^/INFO: /"
	check "after $1 loads, the clock is within 1 s of the host ($(_ts_ms "$_out" REALTIME) ms)" \
		'test "$(_ts_abs "$(_ts_ms "$_out" REALTIME)")" -lt 1000'
	check "PTP clock hyperv within 1 s of the host ($(_ts_ms "$_out" PTP) ms)" \
		'test "$(_ts_abs "$(_ts_ms "$_out" PTP)")" -lt 1000'
	check "$4" "dmesg | grep -q \"$4\""
	sleep 11
	_out=$("$_probe"); echo "$_out" | sed "s/^/INFO: /"
	check "11 s later, the PTP clock is still within 1 s ($(_ts_ms "$_out" PTP) ms)" \
		'test "$(_ts_abs "$(_ts_ms "$_out" PTP)")" -lt 1000'
}
_ts_ms() { echo "$1" | sed -n "s/^offset-ms $2 //p"; }
_ts_abs() { _v=${1:-999999}; echo "${_v#-}"; }
