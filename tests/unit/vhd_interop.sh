#!/bin/sh
# VHD interop, both ways, against two independent readers:
#  - images ovb-img writes are read back identically by qemu-img (fixed,
#    dynamic; QEMU cannot follow a differencing chain) and by libvhdi's
#    vhdimount (all types, a differencing chain three deep);
#  - images qemu-img writes are read by our back end (ovb-img convert) with
#    the same data, and check clean.
# Data is compared by checksum. Usage: vhd_interop.sh BUILD_DIR
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
[ "$(sum o2.raw)" = "$(sum r2.raw)" ] || fail "ovb-img reads its own chain wrong"

# Ours, read by QEMU: fixed and dynamic. Our creator is "ovb ", for which
# QEMU would take the CHS size; force_size_calc makes it use the footer's.
for f in fixed base; do
	qemu-img convert --image-opts driver=vpc,force_size_calc=current_size,file.filename=$f.vhd \
		-O raw q-$f.raw
	[ "$(sum q-$f.raw)" = "$(sum r0.raw)" ] || fail "qemu-img reads our $f image differently"
done
echo "vhd-interop: qemu-img reads our fixed and dynamic images identically"

# Ours, read by libvhdi: vhdimount exposes each layer of the chain as vhdiN.
if [ -c /dev/fuse ] && command -v vhdimount >/dev/null; then
	mkdir "$MNT"
	vhdimount gchild.vhd "$MNT" >/dev/null
	[ "$(sum "$MNT"/vhdi1)" = "$(sum r0.raw)" ] || fail "libvhdi: base"
	[ "$(sum "$MNT"/vhdi2)" = "$(sum r1.raw)" ] || fail "libvhdi: child"
	[ "$(sum "$MNT"/vhdi3)" = "$(sum r2.raw)" ] || fail "libvhdi: grandchild"
	umount "$MNT"
	vhdimount fixed.vhd "$MNT" >/dev/null
	[ "$(sum "$MNT"/vhdi1)" = "$(sum r0.raw)" ] || fail "libvhdi: fixed"
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
echo "vhd-interop: passed"
