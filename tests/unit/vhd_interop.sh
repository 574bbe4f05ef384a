#!/bin/sh
# VHD and VHDX interop, both ways, against two independent readers:
#  - images ovb-img writes are read back identically by qemu-img (fixed,
#    dynamic; QEMU cannot follow a differencing chain) and by libvhdi's
#    vhdimount (all types, a differencing chain three deep);
#  - images qemu-img writes are read by our back end (ovb-img convert) with
#    the same data, and check clean.
# Data is compared byte for byte (cmp). Usage: vhd_interop.sh BUILD_DIR
set -eu

B=${1:-build}
IMG=$(realpath "$B/ovb-img")
T=$(mktemp -d /tmp/vhd_interop.XXXXXX)
MNT=$T/mnt
cleanup() {
	mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
fail() { echo "vhd-interop: FAIL: $*"; exit 1; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# The first $2 bytes of $1, checksummed (QEMU rounds sizes up to CHS).
sum_n() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }

SIZE=$((40 * 1024 * 1024 + 512 * 7))	# not a CHS size: sizes must stay exact
# A base with data in a few places, sparse elsewhere; a child and a
# grandchild each changing some of it (whole blocks, single sectors, zeros).
truncate -s $SIZE r0.raw
dd if=/dev/urandom of=r0.raw bs=64k count=40 conv=notrunc status=none
dd if=/dev/urandom of=r0.raw bs=1M seek=17 count=3 conv=notrunc status=none
dd if=/dev/urandom of=r0.raw bs=512 seek=$((SIZE / 512 - 3)) count=3 conv=notrunc status=none
cp r0.raw r1.raw
dd if=/dev/urandom of=r1.raw bs=512 seek=9 count=5 conv=notrunc status=none
dd if=/dev/zero of=r1.raw bs=1M seek=18 count=1 conv=notrunc status=none
dd if=/dev/urandom of=r1.raw bs=1M seek=30 count=2 conv=notrunc status=none
cp r1.raw r2.raw
dd if=/dev/urandom of=r2.raw bs=4k seek=2000 count=100 conv=notrunc status=none

"$IMG" convert -O vhd -o type=fixed r0.raw fixed.vhd
"$IMG" convert -O vhd r0.raw base.vhd
"$IMG" convert -O vhd -o type=differencing,parent=base.vhd r1.raw child.vhd
"$IMG" convert -O vhd -o type=differencing,parent=child.vhd,block_size=512k r2.raw gchild.vhd
for f in fixed base child gchild; do
	"$IMG" check $f.vhd >/dev/null || fail "ovb-img check $f.vhd"
done
[ "$("$IMG" info --json gchild.vhd | jq '."virtual-size"')" = $SIZE ] || fail "info: size"
[ "$("$IMG" info --json gchild.vhd | jq -r '."backing-image"."backing-image"."format-specific".type')" = dynamic ] ||
	fail "info: chain"

# Ours, read back by ours.
"$IMG" convert gchild.vhd o2.raw
cmp -s o2.raw r2.raw || fail "ovb-img reads its own chain wrong"

# Ours, read by QEMU: fixed and dynamic. Our creator is "ovb ", for which
# QEMU would take the CHS size; force_size_calc makes it use the footer's.
for f in fixed base; do
	qemu-img convert --image-opts driver=vpc,force_size_calc=current_size,file.filename=$f.vhd \
		-O raw q-$f.raw
	cmp -s q-$f.raw r0.raw || fail "qemu-img reads our $f image differently"
done
echo "vhd-interop: qemu-img reads our fixed and dynamic images identically"

# Ours, read by libvhdi: vhdimount exposes each layer of the chain as vhdiN.
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
	mkdir "$MNT"
	vhdimount gchild.vhd "$MNT" >/dev/null
	cmp -s "$MNT"/vhdi1 r0.raw || fail "libvhdi: base"
	cmp -s "$MNT"/vhdi2 r1.raw || fail "libvhdi: child"
	cmp -s "$MNT"/vhdi3 r2.raw || fail "libvhdi: grandchild"
	umount "$MNT"
	vhdimount fixed.vhd "$MNT" >/dev/null
	cmp -s "$MNT"/vhdi1 r0.raw || fail "libvhdi: fixed"
	umount "$MNT"
	echo "vhd-interop: libvhdi reads our fixed image and a chain three deep identically"
else
	vhdiinfo gchild.vhd | grep -q 'Disk type.*Differential' || fail "vhdiinfo: type"
	echo "vhd-interop: no FUSE here: libvhdi checked with vhdiinfo only"
fi

# QEMU's images, read by ours (QEMU rounds the size up to a CHS size:
# compare what we gave it, the rest must be zeros).
for sub in dynamic fixed; do
	qemu-img convert -O vpc -o subformat=$sub r0.raw qemu-$sub.vhd
	"$IMG" check qemu-$sub.vhd >/dev/null || fail "ovb-img check on QEMU's $sub image"
	"$IMG" convert qemu-$sub.vhd back-$sub.raw
	qsize=$(stat -c %s back-$sub.raw)
	[ "$(sum_n back-$sub.raw $SIZE)" = "$(sum r0.raw)" ] || fail "QEMU's $sub image reads differently"
	[ "$(tail -c $((qsize - SIZE)) back-$sub.raw | tr -d '\0' | wc -c)" = 0 ] ||
		fail "QEMU's $sub image: the rounded-up tail is not zeros"
done
qemu-img create -q -f vpc -o subformat=dynamic empty.vhd 8M
"$IMG" convert empty.vhd empty.raw
[ "$(tr -d '\0' <empty.raw | wc -c)" = 0 ] || fail "QEMU's empty image is not zeros"
echo "vhd-interop: our back end reads QEMU's dynamic and fixed images identically"

# ---- VHDX, the same both ways (sizes are exact in VHDX: no CHS) ----
t0=$(date +%s.%N)
"$IMG" convert -O vhdx -o type=fixed r0.raw fixed.vhdx
"$IMG" convert -O vhdx -o block_size=1M r0.raw base.vhdx
"$IMG" convert -O vhdx -o type=differencing,parent=base.vhdx r1.raw child.vhdx
"$IMG" convert -O vhdx -o type=differencing,parent=child.vhdx,block_size=4M r2.raw gchild.vhdx
for f in fixed base child gchild; do
	"$IMG" check $f.vhdx >/dev/null || fail "ovb-img check $f.vhdx"
done
[ "$("$IMG" info --json gchild.vhdx | jq -r '."backing-image"."backing-image"."format-specific".type')" = dynamic ] ||
	fail "vhdx info: chain"
"$IMG" convert gchild.vhdx o2x.raw
cmp -s o2x.raw r2.raw || fail "ovb-img reads its own VHDX chain wrong"
# Any type to any type: a VHD chain to a VHDX, and back.
"$IMG" convert -O vhdx gchild.vhd fromvhd.vhdx
"$IMG" convert -O vhd -o type=fixed fromvhd.vhdx back.vhd
"$IMG" convert back.vhd back.raw
cmp -s back.raw r2.raw || fail "VHD -> VHDX -> VHD"

# Ours, read by QEMU (fixed and dynamic; it has no differencing VHDX), and checked by it.
for f in fixed base; do
	qemu-img check -q $f.vhdx || fail "qemu-img check on our $f VHDX"
	qemu-img convert -f vhdx -O raw $f.vhdx qx-$f.raw
	cmp -s qx-$f.raw r0.raw || fail "qemu-img reads our $f VHDX differently"
done
echo "vhd-interop: qemu-img checks and reads our fixed and dynamic VHDX identically"

# Ours, read by libvhdi: the chain three deep, layer by layer.
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
	vhdimount gchild.vhdx "$MNT" >/dev/null
	cmp -s "$MNT"/vhdi1 r0.raw || fail "libvhdi: VHDX base"
	cmp -s "$MNT"/vhdi2 r1.raw || fail "libvhdi: VHDX child"
	cmp -s "$MNT"/vhdi3 r2.raw || fail "libvhdi: VHDX grandchild"
	umount "$MNT"
	echo "vhd-interop: libvhdi reads our VHDX chain three deep identically"
else
	vhdiinfo gchild.vhdx | grep -q 'Disk type.*Differential' || fail "vhdiinfo: VHDX type"
	echo "vhd-interop: no FUSE here: libvhdi checked the VHDX with vhdiinfo only"
fi

# QEMU's VHDX, read by ours: made by convert, written into by qemu-io.
for sub in dynamic fixed; do
	qemu-img convert -O vhdx -o subformat=$sub r0.raw qemu-$sub.vhdx
	"$IMG" check qemu-$sub.vhdx >/dev/null || [ $? = 3 ] || fail "ovb-img check on QEMU's $sub VHDX"
	"$IMG" convert qemu-$sub.vhdx qback-$sub.raw
	cmp -s qback-$sub.raw r0.raw || fail "QEMU's $sub VHDX reads differently"
done
qemu-img create -q -f vhdx -o block_size=1M qw.vhdx $SIZE
qemu-io -c "write -P 0x5a 1M 3M" -c "write -P 0x33 30M 512" -c "discard 2M 1M" qw.vhdx >/dev/null
"$IMG" convert qw.vhdx qw-ours.raw
qemu-img convert -O raw qw.vhdx qw-qemu.raw
cmp -s qw-ours.raw qw-qemu.raw || fail "QEMU-written VHDX reads differently"
echo "vhd-interop: our back end reads QEMU's dynamic, fixed and written-into VHDX identically"
t1=$(date +%s.%N)

# A VHDX whose log QEMU left non-empty: qemu-io allocating blocks (each BAT
# update goes through its log) is stopped now and then and its image copied
# (what a kill at that instant would leave) until a copy has a log to
# replay. We replay it and, from a copy, QEMU does; both must read the same.
set -- ; for i in $(seq 0 120); do set -- "$@" -c "write -P 0x77 ${i}M 4k"; done
qemu-img create -q -f vhdx -o block_size=1M qrun.vhdx 128M
qemu-io "$@" qrun.vhdx >/dev/null 2>&1 &
pid=$!
got=
for probe in $(seq 1 60); do
	sleep 0.02
	kill -STOP $pid 2>/dev/null || break
	cp --sparse=always qrun.vhdx ql.vhdx
	if ! "$IMG" info ql.vhdx >/dev/null 2>&1; then got=$probe; break; fi
	kill -CONT $pid
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
if [ -n "$got" ]; then
	cp ql.vhdx ql-q.vhdx
	"$IMG" check -r ql.vhdx | grep -q 'log was replayed' || fail "no replay of QEMU's log"
	"$IMG" check ql.vhdx >/dev/null || [ $? = 3 ] || fail "QEMU's replayed VHDX does not check"
	qemu-img check -q -r all ql-q.vhdx >/dev/null 2>&1 || true
	"$IMG" convert ql.vhdx ql-ours.raw
	qemu-img convert -O raw ql-q.vhdx ql-qemu.raw
	cmp -s ql-ours.raw ql-qemu.raw || fail "QEMU's log replayed differently by us and by QEMU"
	echo "vhd-interop: a VHDX log QEMU left (stop $got) replays as QEMU replays it"
else
	echo "vhd-interop: qemu-io was never stopped with its VHDX log non-empty: log replay interop not exercised"
fi
echo "vhd-interop: VHDX part took $(awk "BEGIN { printf \"%.1f s, its log part %.1f s\", $t1 - $t0, $(date +%s.%N) - $t1 }")"
# ---- VHDX with 4096-byte logical sectors (a 4Kn disk) ----
# A base and a child (which has its parent's sectors) made by ovb-img, and
# a fixed one; libvhdi reads them with 4096 bytes per sector. QEMU's vhdx
# driver supports only 512-byte logical sectors: when it refuses the image
# that is said; should it open it, it must read it identically.
K=$((40 * 1024 * 1024))
head -c $K r0.raw > k0.raw
head -c $K r1.raw > k1.raw
"$IMG" convert -O vhdx -o block_size=1M,logical_sector_size=4096 k0.raw k0.vhdx
"$IMG" convert -O vhdx -o type=fixed,logical_sector_size=4096,physical_sector_size=512 k0.raw kf.vhdx
"$IMG" convert -O vhdx -o type=differencing,parent=k0.vhdx k1.raw k1.vhdx
for f in k0 kf k1; do
	"$IMG" check $f.vhdx >/dev/null || fail "ovb-img check $f.vhdx (4Kn)"
	[ "$("$IMG" info --json $f.vhdx | jq '."format-specific"."logical-sector-size"')" = 4096 ] ||
		fail "$f.vhdx: not 4096-byte logical sectors"
done
"$IMG" convert k1.vhdx ok1.raw
cmp -s ok1.raw k1.raw || fail "ovb-img reads its own 4Kn chain wrong"
vhdiinfo k1.vhdx | grep -q 'Bytes per sector.*4096' || fail "vhdiinfo: not 4096 bytes per sector"
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
	vhdimount k1.vhdx "$MNT" >/dev/null
	cmp -s "$MNT"/vhdi1 k0.raw || fail "libvhdi: 4Kn base"
	cmp -s "$MNT"/vhdi2 k1.raw || fail "libvhdi: 4Kn child"
	umount "$MNT"
	vhdimount kf.vhdx "$MNT" >/dev/null
	cmp -s "$MNT"/vhdi1 k0.raw || fail "libvhdi: 4Kn fixed"
	umount "$MNT"
	echo "vhd-interop: libvhdi reads our 4Kn VHDX (dynamic, fixed, a child) identically"
fi
for f in k0 kf; do
	if qemu-img info -f vhdx $f.vhdx >/dev/null 2>&1; then
		qemu-img compare -q -f vhdx -F raw $f.vhdx k0.raw || fail "qemu-img reads our 4Kn $f.vhdx differently"
		echo "vhd-interop: qemu-img reads our 4Kn $f.vhdx identically"
	else
		echo "vhd-interop: qemu-img does not open a 4Kn VHDX ($f.vhdx: $(qemu-img info -f vhdx $f.vhdx 2>&1 | sed 's/.*: //' | head -n1))"
	fi
done

# ---- resize, compact, commit: the results read by QEMU and libvhdi ----
t2=$(date +%s.%N)
GROW=$((SIZE + 40 * 1024 * 1024))
cp r0.raw g.raw
truncate -s $GROW g.raw
# VHD: 512 KiB blocks, so the BAT outgrows its sector and the first blocks move.
"$IMG" convert -O vhd -o block_size=512k r0.raw rs.vhd
"$IMG" resize rs.vhd +40M >/dev/null
"$IMG" check rs.vhd >/dev/null || fail "ovb-img check after a VHD resize"
# Our creator is "ovb ": force_size_calc makes QEMU take the footer's size, not CHS.
vpc() { echo "driver=vpc,force_size_calc=current_size,file.filename=$1"; }
qemu-img compare -q --image-opts "$(vpc rs.vhd)" driver=raw,file.filename=g.raw ||
	fail "qemu-img reads our grown VHD differently"
"$IMG" convert -O vhdx -o block_size=1M r0.raw rs.vhdx
"$IMG" resize rs.vhdx $GROW >/dev/null
qemu-img check -q rs.vhdx || fail "qemu-img check on our grown VHDX"
qemu-img compare -q -f vhdx -F raw rs.vhdx g.raw || fail "qemu-img compare: our grown VHDX"
"$IMG" resize --shrink rs.vhdx $SIZE >/dev/null
qemu-img check -q rs.vhdx || fail "qemu-img check on our shrunk VHDX"
qemu-img compare -q -f vhdx -F raw rs.vhdx r0.raw || fail "qemu-img compare: our shrunk VHDX"
"$IMG" resize rs.vhdx 1M 2>/dev/null && fail "a shrink without --shrink was done"
# A child whose parent is gone is still a VHD (detected by its footer): refused, not truncated as raw.
"$IMG" create -f vhd o-p.vhd 1M
"$IMG" create -f vhd -o parent=o-p.vhd o-c.vhd
rm o-p.vhd
osum=$(sum o-c.vhd)
"$IMG" resize o-c.vhd 2M 2>/dev/null && fail "resize of a child without its parent"
[ "$(sum o-c.vhd)" = "$osum" ] || fail "a failed resize changed the image"

# Compact QEMU's fully allocated images (-S 0 writes the zeros too).
qemu-img convert -S 0 -O vhdx -o block_size=1M r0.raw qz.vhdx
qemu-img convert -S 0 -O vpc -o subformat=dynamic r0.raw qz.vhd
cp qz.vhd qz-orig.vhd
for f in qz.vhdx qz.vhd; do
	"$IMG" compact $f | grep -q '^[1-9][0-9]* blocks freed' || fail "compact freed nothing in $f"
	"$IMG" check $f >/dev/null || fail "ovb-img check after compacting $f"
done
qemu-img check -q qz.vhdx || fail "qemu-img check on a compacted VHDX"
qemu-img compare -q -f vhdx -F raw qz.vhdx r0.raw || fail "qemu-img compare: a compacted VHDX"
qemu-img compare -q -f vpc -F vpc qz-orig.vhd qz.vhd || fail "qemu-img reads a compacted VHD differently"

# Commit: copies of the three-deep chains, the top committed into the
# middle, then the middle into the base (which QEMU can read).
mkdir cm
cp base.vhd child.vhd gchild.vhd base.vhdx child.vhdx gchild.vhdx cm/
for x in vhd vhdx; do
	"$IMG" commit cm/gchild.$x >/dev/null || fail "commit gchild.$x"
	"$IMG" commit cm/child.$x >/dev/null || fail "commit child.$x"
	for f in base child gchild; do
		"$IMG" check cm/$f.$x >/dev/null || fail "ovb-img check cm/$f.$x after commit"
	done
done
qemu-img compare -q --image-opts "$(vpc cm/base.vhd)" driver=raw,file.filename=r2.raw ||
	fail "qemu-img reads a VHD committed into differently"
qemu-img check -q cm/base.vhdx || fail "qemu-img check on a VHDX committed into"
qemu-img compare -q -f vhdx -F raw cm/base.vhdx r2.raw || fail "qemu-img compare: a VHDX committed into"
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
	for f in cm/gchild.vhd cm/gchild.vhdx rs.vhd qz.vhdx; do
		vhdimount $f "$MNT" >/dev/null
		case $f in
		cm/*) cmp -s "$MNT"/vhdi1 r2.raw || fail "libvhdi: committed $f" ;;
		rs.vhd) cmp -s "$MNT"/vhdi1 g.raw || fail "libvhdi: grown $f" ;;
		*) cmp -s "$MNT"/vhdi1 r0.raw || fail "libvhdi: compacted $f" ;;
		esac
		umount "$MNT"
	done
	echo "vhd-interop: libvhdi reads our committed chains, a grown VHD and a compacted VHDX identically"
fi
echo "vhd-interop: resize, compact and commit read back by qemu-img (check, compare) in $(awk "BEGIN { printf \"%.1f s\", $(date +%s.%N) - $t2 }")"
echo "vhd-interop: passed"
