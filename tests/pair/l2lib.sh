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
