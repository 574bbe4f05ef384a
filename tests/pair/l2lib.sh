# shellcheck shell=sh
# Helpers for L2 test scripts (copied into every L2 initramfs as /l2lib.sh;
# a case's script sources it with `. /l2lib.sh`).

# check NAME SHELL-CODE: PASS if the code succeeds.
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }

# Kernel warnings other than the two this nested environment always gives
# (XSAVE layout under TCG, SRSO advice on an emulated Zen CPU).
dmesg_bad() {
	dmesg | grep -E "Oops|WARNING:|BUG:" | grep -v -e "fpu/xstate.c" -e "Speculative Return Stack"
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
