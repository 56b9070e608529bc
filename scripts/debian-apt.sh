# Sourced by scripts/fetch-busybox.sh, fetch-real-programs.sh and fetch-qemu.sh: a private, throw-away
# apt configuration for one Debian suite and architecture (own sources.list, lists, status and
# cache, APT::Architecture), so the machine's apt setup is never changed.
#
#   private_apt NAME SUITE [ARCH]
#                             ARCH defaults to riscv64; sets MIRROR (the archive host from the
#                             machine's own apt sources, or $DEBIAN_MIRROR), TMP (removed on exit; TMP/dl is writable by
#                             apt's download user) and APT_OPTS, and runs `apt-get update`

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

private_apt() {
    local name="$1" suite="$2" arch="${3:-riscv64}"
    MIRROR="${DEBIAN_MIRROR:-$(find_mirror)}" || { echo "$name: no Debian mirror in apt sources" >&2; exit 1; }
    echo "$name: using $MIRROR $suite ($arch)"
    TMP="$(mktemp -d)"
    trap 'rm -rf "$TMP"' EXIT
    chmod 0755 "$TMP"
    mkdir -p "$TMP/lists/partial" "$TMP/cache/archives/partial" "$TMP/etc/preferences.d" \
             "$TMP/etc/sources.list.d" "$TMP/dl"
    chmod -R a+rwX "$TMP/dl" "$TMP/lists" "$TMP/cache"
    : > "$TMP/status"
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [[ -f "$keyring" ]]; then
        echo "deb [arch=$arch signed-by=$keyring] $MIRROR $suite main" > "$TMP/etc/sources.list"
    else
        echo "deb [arch=$arch trusted=yes] $MIRROR $suite main" > "$TMP/etc/sources.list"
    fi
    APT_OPTS=(
        -o "Dir::Etc::SourceList=$TMP/etc/sources.list"
        -o "Dir::Etc::SourceParts=$TMP/etc/sources.list.d"
        -o "Dir::Etc::PreferencesParts=$TMP/etc/preferences.d"
        -o "Dir::State::Lists=$TMP/lists"
        -o "Dir::State::status=$TMP/status"
        -o "Dir::Cache=$TMP/cache"
        -o "APT::Architecture=$arch"
        -o "APT::Architectures::=$arch"
        -o "Acquire::Languages=none"
        -o "Debug::NoLocking=1"
    )
    apt-get "${APT_OPTS[@]}" -qq update
}
