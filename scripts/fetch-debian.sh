#!/usr/bin/env bash
# Fetches Debian 13 ("trixie") riscv64 packages the tests run unmodified,
# into a cache outside the repository, and unpacks what they need:
#   busybox-static      -> $cache/busybox
#   linux-image-riscv64 -> $cache/linux/Image (the kernel, a RISC-V Linux
#                          Image; Debian installs it as /boot/vmlinux-*)
#                          and $cache/linux/version
#   opensbi             -> $cache/opensbi/fw_dynamic.bin, fw_jump.bin
#                          (the generic platform's firmware, riscv64)
# The cache is ${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}; the tests
# look there too. Nothing is fetched when the files are already there.
#
# apt-get download needs an apt source for the riscv64 architecture: this
# script adds one in a file of its own under /etc/apt/sources.list.d/ (and
# the architecture to dpkg), downloads, then removes both again. It never
# touches debian.sources.
set -euo pipefail

cache="${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}"
if [ -x "$cache/busybox" ] && [ -f "$cache/linux/Image" ] && [ -f "$cache/opensbi/fw_dynamic.bin" ]; then
    exit 0
fi
mkdir -p "$cache"

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
source_file=/etc/apt/sources.list.d/rvsim-riscv64.list
added_arch=no
download=$(mktemp -d)
unpacked=$(mktemp -d)

cleanup() {
    $sudo rm -f "$source_file"
    if [ "$added_arch" = yes ]; then
        $sudo dpkg --remove-architecture riscv64 || true
    fi
    $sudo apt-get update -qq || true
    rm -rf "$download" "$unpacked"
}
trap cleanup EXIT

echo "deb [arch=riscv64] http://deb.debian.org/debian trixie main" | $sudo tee "$source_file" >/dev/null
if ! dpkg --print-foreign-architectures | grep -qx riscv64; then
    $sudo dpkg --add-architecture riscv64
    added_arch=yes
fi
$sudo apt-get update -qq

# linux-image-riscv64 is a metapackage: the kernel is the package it
# depends on.
kernel_package=$(apt-cache depends linux-image-riscv64:riscv64 | sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -n 1)
[ -n "$kernel_package" ] || { echo "$0: cannot tell which kernel linux-image-riscv64 depends on" >&2; exit 1; }
# opensbi is architecture "all"; trixie's own version, not a backport.
opensbi_version=$(apt-cache policy opensbi | sed -n 's/^ *Candidate: //p')

chmod 777 "$download"
(cd "$download" && apt-get download -q "busybox-static:riscv64" "$kernel_package:riscv64" "opensbi=$opensbi_version")

for deb in "$download"/*.deb; do
    dpkg-deb -x "$deb" "$unpacked"
done
cp "$unpacked/usr/bin/busybox" "$cache/busybox.tmp"
mv "$cache/busybox.tmp" "$cache/busybox"
mkdir -p "$cache/linux" "$cache/opensbi"
cp "$unpacked"/boot/vmlinux-* "$cache/linux/Image.tmp"
mv "$cache/linux/Image.tmp" "$cache/linux/Image"
basename "$unpacked"/boot/vmlinux-* | sed 's/^vmlinux-//' >"$cache/linux/version"
for firmware in fw_dynamic.bin fw_jump.bin; do
    cp "$unpacked/usr/lib/riscv64-linux-gnu/opensbi/generic/$firmware" "$cache/opensbi/$firmware"
done
echo "fetched: busybox, $kernel_package, opensbi $opensbi_version"
