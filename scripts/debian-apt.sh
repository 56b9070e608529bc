# Sourced by scripts/fetch-busybox.sh, fetch-qemu.sh, fetch-real-programs.sh and fetch-rootfs.sh: a private, throw-away
# apt configuration for one Debian suite and architecture (own sources.list, lists, status and
# cache, APT::Architecture), so the machine's apt setup is never changed.
#
#   private_apt NAME SUITE [ARCH]
#                             ARCH defaults to riscv64; sets MIRROR (the archive host from the
#                             machine's own apt sources, or $DEBIAN_MIRROR), TMP (removed on exit; TMP/dl is writable by
#                             apt's download user) and APT_OPTS, and runs `apt-get update`
#   unpack_one PKG ARCH       downloads PKG's .deb and unpacks it into TMP/x; sets DEB
#   fetch_binary NAME PKG ARCH OUT PATH... [-- --force]
#                             installs the first PATH of PKG's files that exists as OUT (mode
#                             0755) from SUITE (default trixie); nothing when OUT exists already
#   resolve_closure SKIP_RE PROGRAM...
#                             PKGS: the programs and their Depends and Pre-Depends, recursively
#                             (virtual packages resolved by apt to a provider), less SKIP_RE
#   download_missing DIR      fetches each of PKGS that has no .deb in DIR yet into DIR

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

unpack_one() {
    local pkg="$1" arch="$2"
    (cd "$TMP/dl" && apt-get "${APT_OPTS[@]}" -qq download "$pkg")
    DEB="$(ls "$TMP"/dl/"$pkg"_*_"$arch".deb)"
    dpkg-deb -x "$DEB" "$TMP/x"
}

resolve_closure() {
    local skip="$1"
    shift
    mapfile -t PKGS < <(
        apt-cache "${APT_OPTS[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
            --no-breaks --no-replaces --no-enhances "$@" \
        | grep -v '^ ' | grep -v '^<' | sed 's/:riscv64$//' | sort -u | grep -Ev "$skip"
    )
}

download_missing() {
    local dir="$1" p
    local missing=()
    mkdir -p "$dir"
    chmod a+rwX "$dir"
    for p in "${PKGS[@]}"; do
        compgen -G "$dir/${p}_*_*.deb" >/dev/null || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "downloading ${#missing[@]} .debs"
        (cd "$TMP/dl" && apt-get "${APT_OPTS[@]}" -qq download "${missing[@]}")
        mv "$TMP"/dl/*.deb "$dir"/
    fi
}

fetch_binary() {
    local name="$1" pkg="$2" arch="$3" out="$4" path
    shift 4
    local paths=()
    while (($#)) && [[ "$1" != "--" ]]; do paths+=("$1"); shift; done
    if [[ -x "$out" && "${2:-}" != "--force" ]]; then
        echo "$name: $out already present"
        exit 0
    fi
    private_apt "$name" "${SUITE:-trixie}" "$arch"
    unpack_one "$pkg" "$arch"
    mkdir -p "$(dirname "$out")"
    for path in "${paths[@]}"; do
        if [[ -e "$TMP/x/$path" ]]; then
            install -m 0755 "$TMP/x/$path" "$out"
            echo "$name: installed $(basename "$DEB") -> $out"
            return 0
        fi
    done
    echo "$name: none of ${paths[*]} in $(basename "$DEB")" >&2
    exit 1
}
