# shellcheck shell=sh
# Shared helpers for the host+guest pair (see tests/pair/README.md).
# Sourced by l1run and friends; sets REPO, PAIR_DIR and the kernel paths.

REPO=$(cd "$(dirname "$0")/../.." && pwd)
# PAIR_DIR: where a run keeps its images, logs and L1 scratch; give each
# concurrent run its own (PAIR_DIR=build/pair-mine tests/pair/run ...).
PAIR_DIR=$(mkdir -p "${PAIR_DIR:-$REPO/build/pair}" && cd "${PAIR_DIR:-$REPO/build/pair}" && pwd)
export PAIR_DIR

# Newest installed Debian 6.1 kernels: generic for L1 (it has 9p), cloud for
# L2. L2_KVER and L2_KERNEL may name another L2 kernel (make check-kasan
# does); l1run hands both to L1, where l1lib.sh uses them.
L1_KVER=${L1_KVER:-$(ls -d /lib/modules/6.1.*-amd64 | sed 's|.*/||' | grep -v cloud | sort -V | tail -n1)}
L2_KVER=${L2_KVER:-$(ls -d /lib/modules/6.1.*-cloud-amd64 | sed 's|.*/||' | sort -V | tail -n1)}
L1_KERNEL=/boot/vmlinuz-$L1_KVER
L2_KERNEL=${L2_KERNEL:-/boot/vmlinuz-$L2_KVER}
# L2_MODROOT: where L2_KVER's in-tree modules are, if not under /lib/modules
# (modprobe -d); empty for an installed kernel.
L2_MODROOT=${L2_MODROOT:-}
# Our guest modules for L2_KVER, relative to REPO (or absolute): built by
# `make modules` (KMOD_DIR/<directory in modules.list>/) and by `make
# dkms-build` (DKMS_MODDIR/, flat). A case's "# ko:" lines say @KMOD@ and
# @DKMS@ for them, so no case names the package version or DKMS's layout.
OVB_VERSION=$(cat "$REPO/packaging/version")
KMOD_DIR=${KMOD_DIR:-build/kmod/$L2_KVER}
DKMS_MODDIR=${DKMS_MODDIR:-build/dkms/tree/openvmbus/$OVB_VERSION/$L2_KVER/x86_64/module}
export L2_KVER L2_KERNEL L2_MODROOT KMOD_DIR DKMS_MODDIR

# The newest installed Debian 6.1 generic (not cloud) kernel: DRM drivers.
generic_kver() {
	ls -d /lib/modules/6.1.*-amd64 | grep -v -- -cloud- | sed 's|.*/||' | sort -V | tail -n1
}

die() { echo "pair: $*" >&2; exit 1; }

# Copy a static busybox and its applet links into directory $1.
initramfs_busybox() {
	mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/mnt" "$1/run"
	cp /bin/busybox "$1/bin/busybox"
	for a in $("$1/bin/busybox" --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
	# The kernel's orderly_poweroff()/orderly_reboot() run these; with no
	# init daemon to signal, they act at once (after a sync).
	for a in poweroff reboot; do
		printf '#!/bin/sh\necho "L2-ORDERLY-%s"\nsync\nexec /bin/busybox %s -f\n' "$a" "$a" > "$1/sbin/$a"
		chmod +x "$1/sbin/$a"
	done
}

# Copy modules $3... of kernel $2 and their dependencies into $1/modules,
# writing the load order to $1/modules/order (MODPROBE_ROOT: modprobe -d).
initramfs_modules() {
	dir=$1/modules kver=$2
	shift 2
	mkdir -p "$dir"
	: > "$dir/order"
	for m in "$@"; do
		modprobe ${MODPROBE_ROOT:+-d "$MODPROBE_ROOT"} -S "$kver" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		cp "$ko" "$dir/"
		basename "$ko" >> "$dir/order"
	done
}

# Copy programs $2... (found on PATH) with the shared libraries they load
# into directory $1 at the same paths, so a dynamic binary such as fio runs.
# A program of the build tree goes to /usr/local/bin/NAME instead: L2's
# /init mounts a tmpfs on /tmp, which would hide a checkout under /tmp.
initramfs_bins() {
	dir=$1
	shift
	for b in "$@"; do
		p=$(command -v "$b") || die "no program $b to copy into the initramfs"
		for f in "$p" $(ldd "$p" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
			to=$f
			[ "$f" = "$p" ] && case $p in "$REPO"/*) to=/usr/local/bin/${p##*/} ;; esac
			mkdir -p "$dir$(dirname "$to")"
			cp -L "$f" "$dir$to"
		done
	done
}

# l2_script_end FILE: make the L2 test script FILE executable and end it
# with a line that prints "L2-SCRIPT-END". A script that exits early or
# dies (a shell error, an oops that kills it) never prints it, and the
# harness fails that boot (l1lib.sh: l2_consoles_verdict).
l2_script_end() {
	printf '\n# added by tests/pair (lib.sh: l2_script_end)\necho "L2-SCRIPT-END"\n' >> "$1"
	chmod +x "$1"
}

# Pack directory $1 into a zstd-compressed newc cpio $2 (named .cpio.gz
# for history; the kernel goes by the magic). Not gzip: the guest unpacks
# its initramfs under nested TCG, and fio's libraries (84 MB) took ~15 s
# of every fio case's boot to inflate; zstd unpacks ~4x faster and packs
# smaller (33.6 MB against 37.6).
initramfs_pack() {
	(cd "$1" && find . | cpio -o -H newc --quiet | zstd -q -3) > "$2"
}

# How to run the outer QEMU: KVM where a usable hardware KVM exists, else
# TCG with nested SVM. "Usable" means this machine is not itself a guest
# (no "hypervisor" CPU flag), has VMX or SVM, and /dev/kvm: the CI machines'
# /dev/kvm is a paravirtual KVM inside a VM that cannot run Linux at a
# usable speed, and the hypervisor flag is what tells it apart.
# PAIR_ACCEL=kvm or tcg overrides.
outer_accel() {
	accel=${PAIR_ACCEL:-auto}
	if [ "$accel" = auto ]; then
		accel=tcg
		if [ -w /dev/kvm ] && grep -q -w -E 'vmx|svm' /proc/cpuinfo &&
		   ! grep -q -w hypervisor /proc/cpuinfo; then
			accel=kvm
		fi
	fi
	case "$accel" in
	kvm) echo "-accel kvm -cpu host" ;;
	*) echo "-accel tcg,thread=single,tb-size=512 -cpu EPYC,+svm,+npt" ;;
	esac
}

# The outer QEMU: qemu-system-x86_64 from PATH, or PAIR_QEMU (a path to
# another build's qemu-system-x86_64, e.g. one unpacked with dpkg -x). Its
# firmware (qboot.rom, linuxboot_dma.bin) and modules come from beside it
# (../share/qemu, ../lib/x86_64-linux-gnu/qemu), so that an unpacked QEMU
# never mixes with the installed one's. Sets OUTER_QEMU: the command and
# its -L and -bios.
outer_qemu() {
	q=$(command -v "${PAIR_QEMU:-qemu-system-x86_64}") || die "no outer QEMU (${PAIR_QEMU:-qemu-system-x86_64})"
	d=$(cd "$(dirname "$q")/.." && pwd)
	[ -r "$d/share/qemu/qboot.rom" ] || die "no $d/share/qemu/qboot.rom beside $q"
	if [ -d "$d/lib/x86_64-linux-gnu/qemu" ]; then
		QEMU_MODULE_DIR=$d/lib/x86_64-linux-gnu/qemu
		export QEMU_MODULE_DIR
	fi
	OUTER_QEMU="$q -L $d/share/qemu -bios $d/share/qemu/qboot.rom"
}
