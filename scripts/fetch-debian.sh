#!/usr/bin/env bash
# Fetches Debian 13 ("trixie") riscv64 packages the tests run unmodified,
# into a cache outside the repository, and unpacks what they need:
#   busybox-static -> $cache/busybox
# The cache is ${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}; the tests
# look there too. Nothing is fetched when the files are already there.
#
# apt-get download needs an apt source for the riscv64 architecture: this
# script adds one in a file of its own under /etc/apt/sources.list.d/ (and
# the architecture to dpkg), downloads, then removes both again. It never
# touches debian.sources.
set -euo pipefail

cache="${RVSIM_DEBIAN_CACHE:-$HOME/.cache/rvsim/debian}"
packages=(busybox-static)
if [ -x "$cache/busybox" ]; then
    exit 0
fi
mkdir -p "$cache"

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
source_file=/etc/apt/sources.list.d/rvsim-riscv64.list
added_arch=no

cleanup() {
    $sudo rm -f "$source_file"
    if [ "$added_arch" = yes ]; then
        $sudo dpkg --remove-architecture riscv64 || true
    fi
    $sudo apt-get update -qq || true
}
trap cleanup EXIT

echo "deb [arch=riscv64] http://deb.debian.org/debian trixie main" | $sudo tee "$source_file" >/dev/null
if ! dpkg --print-foreign-architectures | grep -qx riscv64; then
    $sudo dpkg --add-architecture riscv64
    added_arch=yes
fi
$sudo apt-get update -qq

download=$(mktemp -d)
chmod 777 "$download"
for package in "${packages[@]}"; do
    (cd "$download" && apt-get download -q "$package:riscv64")
done
cp "$download"/*.deb "$cache/"

unpacked=$(mktemp -d)
dpkg-deb -x "$cache"/busybox-static_*_riscv64.deb "$unpacked"
cp "$unpacked/usr/bin/busybox" "$cache/busybox.tmp"
mv "$cache/busybox.tmp" "$cache/busybox"
rm -rf "$download" "$unpacked"
echo "fetched: $(ls "$cache")"
