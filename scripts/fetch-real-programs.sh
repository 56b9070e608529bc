#!/usr/bin/env bash
# Fetch Debian trixie's riscv64 builds of real programs (lua5.4, sqlite3, python3.13-minimal, bc,
# gawk, jq, xz, zstd, coreutils, grep, sed) and every library they need into a sysroot for `-L` (default: bench/out/sysroot).
#
# Same private, throw-away apt configuration as scripts/fetch-busybox.sh (own sources.list, lists,
# status, cache, APT::Architecture riscv64); the machine's apt setup is never changed. The archive
# host is taken from the machine's own apt sources (override: DEBIAN_MIRROR=...). Dependencies are
# resolved with `apt-cache depends --recurse` (Depends and Pre-Depends only); every .deb is fetched
# with `apt-get download` into SYSROOT/.debs and unpacked with `dpkg-deb -x`.
#
# Idempotent: a .deb already in SYSROOT/.debs is not fetched again, and nothing is done at all
# when SYSROOT/.complete lists the same package set (use --force to redo).
#
#     scripts/fetch-real-programs.sh [--force] [SYSROOT]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FORCE=0
if [[ "${1:-}" == "--force" ]]; then FORCE=1; shift; fi
SYSROOT="${1:-$ROOT/bench/out/sysroot}"
SUITE="${SUITE:-trixie}"
PROGRAMS=(lua5.4 sqlite3 python3.13-minimal bc gawk jq xz-utils zstd coreutils grep sed)
# Pulled in by maintainer-script machinery only; a guest never needs them.
SKIP_RE='^(debconf|debconf-2\.0|perl-base|dpkg|install-info|libc-bin|usrmerge|init-system-helpers|tzdata|media-types|mime-support|readline-common|sensible-utils|base-files|gcc-14-base|libgcc-s1-dbg)$'

mkdir -p "$SYSROOT"
SYSROOT="$(cd "$SYSROOT" && pwd)"
STAMP="$SYSROOT/.complete"
WANT="${PROGRAMS[*]} $SUITE"
if [[ $FORCE == 0 && -f "$STAMP" && "$(head -n1 "$STAMP")" == "$WANT" ]]; then
    echo "fetch-real-programs: $SYSROOT already complete ($(($(wc -l < "$STAMP") - 1)) packages)"
    exit 0
fi

# shellcheck source=scripts/debian-apt.sh
source "$ROOT/scripts/debian-apt.sh"
private_apt fetch-real-programs "$SUITE"

resolve_closure "$SKIP_RE" "${PROGRAMS[@]}"
echo "fetch-real-programs: ${#PKGS[@]} packages: ${PKGS[*]}"

DEBS="$SYSROOT/.debs"
download_missing "$DEBS"

# merged /usr: the ELF interpreter is /lib/ld-linux-riscv64-lp64d.so.1, packages ship /usr/lib.
for d in bin sbin lib; do
    if [[ ! -e "$SYSROOT/$d" ]]; then mkdir -p "$SYSROOT/usr/$d"; ln -s "usr/$d" "$SYSROOT/$d"; fi
done
for p in "${PKGS[@]}"; do
    for deb in "$DEBS/${p}"_*_*.deb; do dpkg-deb -x "$deb" "$SYSROOT"; done
done
# Debian's alternatives, done by hand: the plain names the benchmark calls.
ln -sf lua5.4 "$SYSROOT/usr/bin/lua"
ln -sf python3.13 "$SYSROOT/usr/bin/python3"
{ echo "$WANT"; printf '%s\n' "${PKGS[@]}"; } > "$STAMP"
echo "fetch-real-programs: $(du -sh "$SYSROOT" | cut -f1) in $SYSROOT"

if command -v qemu-riscv64 >/dev/null; then
    got="$(echo '6*7' | qemu-riscv64 -L "$SYSROOT" "$SYSROOT/usr/bin/bc")"
    [[ "$got" == "42" ]] || { echo "fetch-real-programs: verification failed: bc said '$got'" >&2; exit 1; }
    echo "fetch-real-programs: verified (qemu-riscv64 -L $SYSROOT bc: 6*7 = 42)"
fi
