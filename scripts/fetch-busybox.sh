#!/usr/bin/env bash
# Fetch Debian trixie's riscv64 busybox-static into guests/bin/busybox.
#
# Uses a private, throw-away apt configuration (own sources.list, lists, status, cache,
# APT::Architecture riscv64), so the machine's apt setup is never changed. The archive host is
# taken from the machine's own apt sources. Idempotent: does nothing if the binary exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/guests/bin/busybox"
SUITE="${SUITE:-trixie}"

if [[ -x "$OUT" && "${1:-}" != "--force" ]]; then
    echo "fetch-busybox: $OUT already present"
    exit 0
fi

# Find a Debian archive URI (not debian-security) in the machine's apt sources.
find_mirror() {
    local f uri
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        # one-line format: deb [opts] URI suite comps
        uri=$(sed -n -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z]+:\/\/[^[:space:]]+).*/\2/p' "$f" \
              | grep -E '/debian/?$' | grep -v security | head -n1 || true)
        if [[ -n "$uri" ]]; then echo "${uri%/}"; return 0; fi
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        # deb822 format: URIs: a b c
        uri=$(sed -n -E 's/^URIs:[[:space:]]*(.*)$/\1/p' "$f" | tr ' ' '\n' \
              | grep -E '/debian/?$' | grep -v security | head -n1 || true)
        if [[ -n "$uri" ]]; then echo "${uri%/}"; return 0; fi
    done
    return 1
}

MIRROR="${DEBIAN_MIRROR:-$(find_mirror)}" || { echo "fetch-busybox: no Debian mirror in apt sources" >&2; exit 1; }
echo "fetch-busybox: using $MIRROR $SUITE (riscv64)"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
chmod 0755 "$TMP"
mkdir -p "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/etc/preferences.d" \
         "$TMP/etc/sources.list.d" "$TMP/dl"
chmod -R a+rwX "$TMP/dl" "$TMP/lists" "$TMP/cache"
: > "$TMP/status"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
if [[ -f "$KEYRING" ]]; then
    echo "deb [arch=riscv64 signed-by=$KEYRING] $MIRROR $SUITE main" > "$TMP/etc/sources.list"
else
    echo "deb [arch=riscv64 trusted=yes] $MIRROR $SUITE main" > "$TMP/etc/sources.list"
fi

APT_OPTS=(
    -o "Dir::Etc::SourceList=$TMP/etc/sources.list"
    -o "Dir::Etc::SourceParts=$TMP/etc/sources.list.d"
    -o "Dir::Etc::PreferencesParts=$TMP/etc/preferences.d"
    -o "Dir::State::Lists=$TMP/lists"
    -o "Dir::State::status=$TMP/status"
    -o "Dir::Cache=$TMP/cache"
    -o "APT::Architecture=riscv64"
    -o "APT::Architectures::=riscv64"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
)

apt-get "${APT_OPTS[@]}" -qq update
(cd "$TMP/dl" && apt-get "${APT_OPTS[@]}" -qq download busybox-static)
DEB="$(ls "$TMP"/dl/busybox-static_*_riscv64.deb)"
dpkg-deb -x "$DEB" "$TMP/x"
mkdir -p "$(dirname "$OUT")"
install -m 0755 "$TMP/x/bin/busybox" "$OUT" 2>/dev/null || install -m 0755 "$TMP/x/usr/bin/busybox" "$OUT"
echo "fetch-busybox: installed $(basename "$DEB") -> $OUT"

if command -v qemu-riscv64 >/dev/null; then
    got="$(qemu-riscv64 "$OUT" echo hi)"
    [[ "$got" == "hi" ]] || { echo "fetch-busybox: verification failed: '$got'" >&2; exit 1; }
    echo "fetch-busybox: verified (qemu-riscv64 busybox echo hi -> hi)"
fi
