# shellcheck shell=sh
# Sourced inside L1 by l1-cases.sh and by each case's shell: the paths and
# the helpers a case's .l1 script uses. A case prints PASS:/FAIL: lines;
# l2_results copies its guest's.
REPO=$(pwd)
OVB_HOST=$REPO/build/ovb-host
OVBCTL=$REPO/build/ovbctl
# The L2 kernel: what run chose (lib.sh; l1run hands L2_KVER and L2_KERNEL
# over), else the newest installed Debian 6.1 cloud kernel.
L2_KVER=${L2_KVER:-$(ls -d /lib/modules/6.1.*-cloud-amd64 | sed 's|.*/||' | sort -V | tail -n1)}
L2_KERNEL=${L2_KERNEL:-/boot/vmlinuz-$L2_KVER}
# PAIR_LONG=1 (make check-long): a case may run its long version.
PAIR_LONG=${PAIR_LONG:-0}
export REPO OVB_HOST OVBCTL L2_KVER L2_KERNEL PAIR_LONG

# Every L2 boots with this command line (and a case's L2_APPEND after it):
# its console on the serial port, the kernel's boot messages below warning
# level kept off that console (each byte on the emulated UART costs ~0.14
# ms under nested TCG, ~3 s of every boot; L2's /init puts the console
# back to level 7 before it loads any module, and reports at warning level
# and above show anyway), a panic ends the VM at once, and slab
# debugging (red zones, poisoning, sanity checks, owner tracking) plus
# freed memory zeroed, so a use-after-free or an overrun shows on the
# console as a report that consolescan fails, instead of going unnoticed.
# L2_KERNEL_APPEND: what L2_KERNEL itself needs (scripts/kernel-next image:
# 7.2's built-in hv_vmbus kept off our bus).
L2_CMDLINE="console=ttyS0 loglevel=5 panic=-1 slub_debug=FZPU init_on_free=1${L2_KERNEL_APPEND:+ $L2_KERNEL_APPEND}"

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

# hb_advances SECONDS: the guest answers the host's heartbeats (one a
# second): the sequence number of the last answer (ovbctl heartbeat's
# "seq") advances within SECONDS. Looked at every 0.5 s, so the first
# answer ends the wait; hb_seq1 and hb_seq2 are the numbers seen.
hb_advances() {
	hb_seq1=$(ctl_json heartbeat 2>/dev/null | jq -r '.seq // empty' 2>/dev/null) hb_seq2=
	_i=0
	while [ $_i -lt $(($1 * 2)) ]; do
		sleep 0.5
		hb_seq2=$(ctl_json heartbeat 2>/dev/null | jq -r '.seq // empty' 2>/dev/null)
		[ "${hb_seq2:-0}" -gt "${hb_seq1:-0}" ] && return 0
		_i=$((_i + 1))
	done
	return 1
}

# ovb_start [ovb-host options]: boot this case's initramfs in the background.
# Sets OVB_PID; serial console in $SERIAL, ovb-host's own log in $HOSTLOG.
# Each boot's console is a file of its own, /tmp/$CASE.serial.N (N = 1, 2,
# ...; /tmp/$CASE.serial links to the newest): after the case, l1-cases.sh
# judges every boot's console (l2_consoles_verdict).
ovb_start() {
	_ovb_boot=$((${_ovb_boot:-0} + 1))
	SERIAL=/tmp/$CASE.serial.$_ovb_boot HOSTLOG=/tmp/$CASE.host CTL=/tmp/$CASE.sock
	rm -f "$SERIAL"
	ln -sf "$CASE.serial.$_ovb_boot" "/tmp/$CASE.serial"
	"$OVB_HOST" -k "$L2_KERNEL" -i "$PAIR_DIR/cases/$CASE.cpio.gz" \
		-a "$L2_CMDLINE ${L2_APPEND:-}" -m 512M --ctl "$CTL" \
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

# l2_consoles_verdict CASE [L1_STALLED]: after a case (l1-cases.sh), judge
# each of its L2 boots' consoles: the L2 script reached its end (the line
# mkinitramfs-l2 and mkrootfs-l2 append, L2-SCRIPT-END, or the .l2's
# "# ends: ERE" for a script that waits to be stopped) and consolescan
# finds no kernel error report (the .l1's "# console-allow: ERE" lines
# excuse what a case provokes on purpose). L1_STALLED=1: L1 itself stalled
# during the case, so guest lockup reports are the wedge: "WEDGED:", which
# run treats as a wedged L1 (the case runs again in a new L1 boot).
l2_consoles_verdict() {
	_c=$1 _l2=$REPO/tests/pair/cases/$1.l2
	_boots=$(ls /tmp/"$_c".serial.[0-9]* 2>/dev/null | sed 's/.*\.//' | sort -n)
	if [ -z "$_boots" ]; then
		[ ! -f "$_l2" ] || echo "FAIL: $_c: the case has an L2 script but booted no L2"
		return 0
	fi
	_ends=$(sed -n 's/^# ends: //p' "$_l2" 2>/dev/null | head -n1)
	_ends=${_ends:-^L2-SCRIPT-END\$}
	_w=""
	[ "${2:-0}" = 1 ] && _w=--wedge
	set --
	_allows=$(sed -n 's/^# console-allow: //p' "$REPO/tests/pair/cases/$_c.l1")
	if [ -n "$_allows" ]; then
		while IFS= read -r _a; do set -- "$@" --allow "$_a"; done <<EOF
$_allows
EOF
	fi
	_nb=0 _bad=0 _short="" _wedged=""
	for _n in $_boots; do
		_f=/tmp/$_c.serial.$_n
		_nb=$((_nb + 1))
		tr -d '\r' < "$_f" | grep -a -q -E "$_ends" || _short="$_short $_n"
		_rc=0
		"$REPO/tests/pair/consolescan" "$@" $_w "$_f" > /tmp/.scan 2>&1 || _rc=$?
		case $_rc in
		0) ;;
		3) _wedged="$_wedged $_n"; sed "s/^/  boot $_n: /" /tmp/.scan ;;
		*) _bad=$((_bad + 1))
		   echo "FAIL: $_c: L2 console of boot $_n has kernel error reports: $(head -n1 /tmp/.scan | cut -d: -f4- | cut -c1-120)"
		   sed "s/^/  boot $_n: /" /tmp/.scan | head -n 12 ;;
		esac
	done
	[ "$_bad" != 0 ] || echo "PASS: $_c: L2 consoles: no kernel error reports ($_nb boots)"
	if [ -n "$_short" ]; then
		echo "FAIL: $_c: the L2 script did not reach its end (no line matching '$_ends') in boot(s)$_short"
	else
		echo "PASS: $_c: the L2 script reached its end in every boot ($_nb)"
	fi
	[ -z "$_wedged" ] ||
		echo "WEDGED: $_c: guest lockup reports in boot(s)$_wedged while L1 itself stalled: counted as a wedged L1"
}
