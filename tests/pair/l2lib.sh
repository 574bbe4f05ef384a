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

# kvp_checks DRIVER: the ic-kvp cases' guest side. The KVP device bound to
# DRIVER (hv_utils or ovb_ic), Debian's hv_kvp_daemon started on
# /dev/vmbus/hv_kvp with a key of its own in the guest pool (1) and an
# os-release for the auto pool; after L2-READY, wait for the host's key in
# pool 0's file, then L2-KVP-SEEN (ic-kvp-intree.l1 drives the host side).
kvp_checks() {
	_kvpdev=$(grep -l "{a9a0f4e7-5a45-4d96-b827-8a841e8c03e6}" /sys/bus/vmbus/devices/*/class_id)
	_drv=$1	# (check's eval sees its own $1)
	check "KVP device bound to $1" \
		'test "$(basename "$(readlink "${_kvpdev%/class_id}/driver")")" = "$_drv"'
	check "the daemon's device /dev/vmbus/hv_kvp" 'test -c /dev/vmbus/hv_kvp'
	mkdir -p /etc /var/lib/hyperv
	printf 'NAME="ovb-pair-os"\nVERSION_ID="12.7"\n' > /etc/os-release
	# The pool file's format: records of a 512-byte key and a 2048-byte value.
	{ printf guestkey; head -c 504 /dev/zero; printf guestvalue; head -c 2038 /dev/zero; } \
		> /var/lib/hyperv/.kvp_pool_1
	hv_kvp_daemon -n > /tmp/kvpd.log 2>&1 &
	_kvpd=$!
	sleep 1
	check "hv_kvp_daemon runs" "kill -0 $_kvpd"
	if ! kill -0 $_kvpd 2>/dev/null; then
		wait $_kvpd
		echo "INFO: hv_kvp_daemon exited with $?"
		sed 's/^/INFO: kvpd: /' /tmp/kvpd.log
		dmesg | tail -n 5 | sed 's/^/INFO: /'
	fi
	echo "L2-READY"
	_i=0
	while ! grep -q hostvalue /var/lib/hyperv/.kvp_pool_0 2>/dev/null && [ $_i -lt 120 ]; do
		sleep 1
		_i=$((_i + 1))
	done
	check "the host's key is in /var/lib/hyperv/.kvp_pool_0" \
		'grep -q hostvalue /var/lib/hyperv/.kvp_pool_0'
	check "hv_kvp_daemon still runs" "kill -0 $_kvpd"
	echo "L2-KVP-SEEN"
}

# vss_checks DRIVER: the ic-vss cases' guest side. /dev/sda's ext4 mounted,
# the VSS device bound to DRIVER (hv_utils or ovb_ic), Debian's
# hv_vss_daemon started on /dev/vmbus/hv_vss; after L2-READY: a synced
# write must block while the host has us frozen (L2-FROZEN-SEEN) and
# complete after the thaw; then the daemon is stopped (L2-DAEMON-STOPPED)
# and ic-vss-intree.l1 checks that freeze fails.
vss_checks() {
	_drv=$1
	i=0
	while [ ! -b /dev/sda ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	mkdir -p /mnt
	check "ext4 on /dev/sda mounted" 'mount -t ext4 /dev/sda /mnt'
	_vssdev=$(grep -l "{35fa2e29-ea23-4236-96ae-3a6ebacba440}" /sys/bus/vmbus/devices/*/class_id)
	check "VSS device bound to $1" \
		'test "$(basename "$(readlink "${_vssdev%/class_id}/driver")")" = "$_drv"'
	hv_vss_daemon -n > /tmp/vssd.log 2>&1 &
	vssd=$!
	sleep 1
	check "hv_vss_daemon runs" "kill -0 $vssd"
	echo "L2-READY"
	# Probe until a synced write stays blocked for 2 s: the host froze us.
	i=0
	while [ $i -lt 60 ]; do
		dd if=/dev/zero of=/mnt/probe.$i bs=4k count=1 conv=fsync 2>/dev/null &
		w=$!
		sleep 2
		kill -0 $w 2>/dev/null && break
		i=$((i + 1))
	done
	check "a write to /mnt blocks while frozen" "kill -0 $w"
	echo "L2-FROZEN-SEEN"
	j=0
	while kill -0 $w 2>/dev/null && [ $j -lt 60 ]; do sleep 1; j=$((j + 1)); done
	check "the blocked write completes after the thaw" "! kill -0 $w"
	check "and it reached the disk" "test -s /mnt/probe.$i"
	kill $vssd
	sleep 1
	echo "L2-DAEMON-STOPPED"
}

# fcopy_checks DRIVER [DAEMON]: the ic-fcopy cases' guest side. The fcopy
# device bound to DRIVER (hv_utils, ovb_ic or uio_hv_generic) with the
# instance GUID the 6.12 daemon looks for, a 1.5 MiB tmpfs to fill, DAEMON
# (a command; default Debian's hv_fcopy_daemon on /dev/vmbus/hv_fcopy)
# running; after L2-READY wait for the host's marker file, then
# print the copied file's sha256 and check nothing partial is left on the
# full filesystem (L2-FCOPY-SUM; ic-fcopy-intree.l1 drives the host side).
fcopy_checks() {
	_drv=$1
	_fcdev=$(grep -l "{34d14be3-dee4-41c8-9ae7-6b174977c192}" /sys/bus/vmbus/devices/*/class_id)
	check "fcopy device bound to $1" \
		'test "$(basename "$(readlink "${_fcdev%/class_id}/driver")")" = "$_drv"'
	check "its instance GUID is the one the 6.12 daemon looks for" \
		'test "$(cat "${_fcdev%/class_id}/device_id")" = "{eb765408-105f-49b6-b4aa-c123b64d17d4}"'
	mkdir -p /tmp/small
	check "a 1.5 MiB tmpfs to fill (256 whole fragments: the next write gets ENOSPC, not a short count)" 'mount -t tmpfs -o size=1536k small /tmp/small'
	${2:-hv_fcopy_daemon -n} > /tmp/fcd.log 2>&1 &
	fcd=$!
	sleep 1
	check "${2:-hv_fcopy_daemon} runs" "kill -0 $fcd"
	echo "L2-READY"
	i=0
	while [ ! -f /tmp/in/done ] && [ $i -lt 240 ]; do sleep 1; i=$((i + 1)); done
	check "the host's last file arrived" 'test -f /tmp/in/done'
	echo "INFO: sha256 $(sha256sum /tmp/in/f.bin | cut -d' ' -f1)"
	check "no partial file left on the full filesystem" '! test -e /tmp/small/big'
	echo "L2-FCOPY-SUM"
}

# input_checks KBD_DRIVER MOUSE_DRIVER [HOOK]: the console-input cases. What
# `ovbctl type` and `ovbctl mouse` send (console-input.l1) arrives as the
# right key codes, shifted letters included, and as EV_ABS coordinates
# scaled from pixels of a 1024x768 screen to 0..32767. HOOK (a function)
# runs with the keyboard's /dev/input/eventN before "L2-INPUT-READY".
input_checks() {
	kbd="" mouse="" i=0
	while [ $i -lt 30 ] && { [ -z "$kbd" ] || [ -z "$mouse" ]; }; do
		for e in /sys/class/input/event*; do
			[ -e "$e/device/name" ] || continue
			case $(cat "$e/device/name") in
			*[Kk]eyboard*) kbd=/dev/input/${e##*/} ;;
			*[Mm]ouse*) mouse=/dev/input/${e##*/} ;;
			esac
		done
		[ -n "$kbd" ] && [ -n "$mouse" ] && break
		sleep 1
		i=$((i + 1))
	done
	for e in /sys/class/input/event*; do echo "INFO: ${e##*/}: $(cat "$e/device/name" 2>/dev/null)"; done
	check "$1 made an input device" '[ -n "$kbd" ]'
	check "$2 made an input device" '[ -n "$mouse" ]'
	[ -z "${3:-}" ] || "$3" "$kbd"
	/usr/local/bin/evdump "$kbd" 90 > /tmp/kbd.txt &
	/usr/local/bin/evdump "$mouse" 90 > /tmp/mouse.txt &
	sleep 1
	echo "L2-INPUT-READY"
	# The host types "aB" and clicks at (512, 384), then a VNC client types x
	# and clicks at (320, 240) of its 640x480 screen; wait for the last of it.
	i=0
	while [ $i -lt 80 ] && ! { grep -q "^1 45 0$" /tmp/kbd.txt && [ "$(grep -c "^1 272 0$" /tmp/mouse.txt)" -ge 2 ]; }; do
		sleep 1
		i=$((i + 1))
	done
	echo "INFO: keys: $(grep '^1 ' /tmp/kbd.txt | tr '\n' ';')"
	echo "INFO: mouse: $(tr '\n' ';' < /tmp/mouse.txt)"
	check "keys: a, shift-b, then VNC's x (KEY_A, KEY_LEFTSHIFT, KEY_B, KEY_X down and up in order)" \
		'[ "$(grep "^1 " /tmp/kbd.txt | tr "\n" ";")" = "1 30 1;1 30 0;1 42 1;1 48 1;1 48 0;1 42 0;1 45 1;1 45 0;" ]'
	check "mouse: ABS_X 512 of 1024 scaled" "grep -qx '3 0 $(((512 * 32767 + 511) / 1023))' /tmp/mouse.txt"
	check "mouse: ABS_Y 384 of 768 scaled" "grep -qx '3 1 $(((384 * 32767 + 383) / 767))' /tmp/mouse.txt"
	check "mouse: left button down then up, twice" \
		'[ "$(grep "^1 272 " /tmp/mouse.txt | tr "\n" ";")" = "1 272 1;1 272 0;1 272 1;1 272 0;" ]'
	check "VNC pointer: ABS_X 320 of 640 scaled" "grep -qx '3 0 $(((320 * 32767 + 319) / 639))' /tmp/mouse.txt"
	check "VNC pointer: ABS_Y 240 of 480 scaled" "grep -qx '3 1 $(((240 * 32767 + 239) / 479))' /tmp/mouse.txt"
	check "no kernel error reports" '[ -z "$(dmesg_bad)" ]'
}
