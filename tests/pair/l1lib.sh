# shellcheck shell=sh
# Sourced inside L1 by l1-cases.sh and by each case's shell: the paths and
# the helpers a case's .l1 script uses. A case prints PASS:/FAIL: lines;
# l2_results copies its guest's.
REPO=$(pwd)
OVB_HOST=$REPO/build/ovb-host
OVBCTL=$REPO/build/ovbctl
L2_KERNEL=$(ls /boot/vmlinuz-6.1.*-cloud-amd64 | sort -V | tail -n1)
export REPO OVB_HOST OVBCTL L2_KERNEL

# check NAME CMD...: PASS if CMD succeeds.
check() {
	_check_name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "PASS: $CASE: $_check_name"
	else
		echo "FAIL: $CASE: $_check_name"
	fi
}

# ctl_json CMD...: ovbctl's JSON answer (README: "ovb-host and ovbctl") on
# stdout; an error answer is {"error": ...} with exit status 1.
ctl_json() {
	"$OVBCTL" -s "$CTL" --json "$@"
}

# ctl_jq FILTER CMD...: succeeds if jq -e FILTER holds for CMD's answer.
ctl_jq() {
	_filter=$1
	shift
	ctl_json "$@" | jq -e "$_filter" >/dev/null
}

# ovb_start [ovb-host options]: boot this case's initramfs in the background.
# Sets OVB_PID; serial console in $SERIAL, ovb-host's own log in $HOSTLOG.
ovb_start() {
	SERIAL=/tmp/$CASE.serial HOSTLOG=/tmp/$CASE.host CTL=/tmp/$CASE.sock
	"$OVB_HOST" -k "$L2_KERNEL" -i "$PAIR_DIR/cases/$CASE.cpio.gz" \
		-a "console=ttyS0 panic=-1 ${L2_APPEND:-}" -m 512M --ctl "$CTL" \
		--serial "file:$SERIAL" "$@" 2> "$HOSTLOG" &
	OVB_PID=$!
}

# wait_for PATTERN SECONDS: until the serial log has PATTERN.
wait_for() {
	i=0
	while [ $i -lt "$2" ]; do
		grep -q -a "$1" "$SERIAL" 2>/dev/null && return 0
		kill -0 "$OVB_PID" 2>/dev/null || { grep -q -a "$1" "$SERIAL" 2>/dev/null; return; }
		sleep 1
		i=$((i + 1))
	done
	return 1
}

# wait_pid PID SECONDS: until process PID ends; fails if it still runs.
wait_pid() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt "$2" ]; do
		sleep 1
		_i=$((_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# ovb_wait SECONDS: wait for ovb-host to end; sets OVB_RC (124 = killed).
ovb_wait() {
	if ! wait_pid "$OVB_PID" "$1"; then
		kill -9 "$OVB_PID"
		wait "$OVB_PID" 2>/dev/null
		OVB_RC=124
	else
		wait "$OVB_PID"
		OVB_RC=$?
	fi
}

l2_results() {
	grep -a "^INFO: " "$SERIAL" | head -n 20
	grep -a -E '^(PASS|FAIL|SKIP): ' "$SERIAL" | sed "s/^\(PASS\|FAIL\|SKIP\): /\1: $CASE: l2: /"
}
