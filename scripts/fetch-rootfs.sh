#!/usr/bin/env bash
# Build the guest's root filesystem image from Debian trixie riscv64 packages into static/rootfs/
# (a plain directory tree, served file by file by serve.py and read lazily by the hosts), with
# its index static/rootfs/.tbwasm-index.json (path -> mode, size, mtime, symlink target; see
# py_backend/linux/rootfs.py) and gzip copies of its files in static/rootfs/.tbwasm-gz/.
#
# Contents: busybox (static) and a link per applet, libc6 and the dynamic loader, python3
# (python3.13-minimal, libpython3.13-minimal and -stdlib, precompiled .pyc), lua5.4, sqlite3,
# nano (with the ncurses terminfo for xterm), and /etc files for a user 'user' (passwd, group,
# hostname, profile with a prompt), /home/user, /root, /tmp.
#
# Same private, throw-away apt configuration as scripts/fetch-busybox.sh (scripts/debian-apt.sh);
# the machine's apt setup is never changed.  Downloads are cached in .cache/rootfs-debs/ (a .deb
# already there is not fetched again); nothing is done when the image's stamp lists the same
# package set and this script's digest (--force redoes it).
#
#     scripts/fetch-rootfs.sh [--force] [OUT_DIR]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FORCE=0
if [[ "${1:-}" == "--force" ]]; then FORCE=1; shift; fi
OUT="${1:-$ROOT/static/rootfs}"
SUITE="${SUITE:-trixie}"
PY="${PYTHON:-python3}"
PROGRAMS=(busybox-static libc6 python3.13-minimal libpython3.13-stdlib lua5.4 sqlite3 nano ncurses-base)
# Pulled in by maintainer-script machinery only; a guest never needs them.
SKIP_RE='^(debconf|debconf-2\.0|perl-base|dpkg|install-info|libc-bin|usrmerge|init-system-helpers|tzdata|media-types|mime-support|readline-common|sensible-utils|base-files|gcc-14-base|libgcc-s1-dbg|netbase|cdebconf|libdebian-installer4|libnewt0\.52|libslang2|libtextwrap1)$'
CACHE="${ROOTFS_CACHE:-$ROOT/.cache/rootfs-debs}"
log() { echo "fetch-rootfs: $*"; }

mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
STAMP="$OUT/.tbwasm-complete"
# the package set, the suite and this script's own text (not its mtime: checkouts touch it)
WANT="${PROGRAMS[*]} $SUITE $(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
if [[ $FORCE == 0 && -f "$STAMP" && "$(head -n1 "$STAMP")" == "$WANT" \
      && -f "$OUT/.tbwasm-index.json" ]]; then
    log "$OUT already built ($(($(wc -l < "$STAMP") - 1)) packages)"
    if [[ "$ROOT/py_backend/linux/rootfs.py" -nt "$OUT/.tbwasm-index.json" ]]; then
        (cd "$ROOT" && "$PY" -m py_backend.linux.rootfs index "$OUT")  # its format may have changed
    fi
    exit 0
fi
T0=$SECONDS

# shellcheck source=scripts/debian-apt.sh
source "$ROOT/scripts/debian-apt.sh"
private_apt fetch-rootfs "$SUITE"

resolve_closure "$SKIP_RE" "${PROGRAMS[@]}"
log "${#PKGS[@]} packages: ${PKGS[*]}"

download_missing "$CACHE"

# Unpack into a fresh tree next to OUT, then swap it in (a server never sees half an image).
NEW="$OUT.new"
rm -rf "$NEW"
mkdir -p "$NEW"/usr/{bin,sbin,lib}
# merged /usr: the ELF interpreter is /lib/ld-linux-riscv64-lp64d.so.1, packages ship /usr/lib.
for d in bin sbin lib; do ln -s "usr/$d" "$NEW/$d"; done
for p in "${PKGS[@]}"; do
    for deb in "$CACHE/${p}"_*_*.deb; do dpkg-deb -x "$deb" "$NEW"; done
done
rm -rf "$NEW/usr/share/doc" "$NEW/usr/share/man" "$NEW/usr/share/info" "$NEW/usr/share/lintian" \
       "$NEW/usr/share/locale" "$NEW/usr/share/bug"

# Debian's alternatives and the links maintainer scripts would make, done by hand.
ln -sf lua5.4 "$NEW/usr/bin/lua"
ln -sf python3.13 "$NEW/usr/bin/python3"
ln -sf python3 "$NEW/usr/bin/python"
BUSYBOX="$NEW/usr/bin/busybox"
[[ -x "$BUSYBOX" ]] || { echo "fetch-rootfs: busybox-static did not install /usr/bin/busybox" >&2; exit 1; }

# The applet list: busybox --list-full, run under qemu-riscv64 if present, else tbwasm itself.
if command -v qemu-riscv64 >/dev/null; then
    applets="$(qemu-riscv64 "$BUSYBOX" --list-full)"
else
    applets="$(cd "$ROOT" && "$PY" -m py_backend.cli run "$BUSYBOX" --list-full)"
fi
n=0
while read -r a; do
    [[ "$a" == */* && "$a" != */busybox ]] || continue  # (not /linuxrc)
    a="usr/${a#usr/}"  # merged /usr: bin/ls -> usr/bin/ls
    if [[ ! -e "$NEW/$a" && ! -L "$NEW/$a" ]]; then
        mkdir -p "$(dirname "$NEW/$a")"
        ln -sr "$NEW/usr/bin/busybox" "$NEW/$a"  # relative: host tools (qemu -L) follow it too
        n=$((n + 1))
    fi
done <<< "$applets"
log "$n busybox applet links"
[[ -e "$NEW/usr/bin/vi" || -L "$NEW/usr/bin/vi" ]] || ln -s busybox "$NEW/usr/bin/vi"

# Absolute symlinks made relative (the guest sees the same files; host tools such as
# qemu-riscv64 -L and compileall below then follow them inside the image, not on the host).
while IFS= read -r -d '' link; do
    target="$(readlink "$link")"
    ln -sfr "$NEW$target" "$link"
done < <(find "$NEW" -type l -lname '/*' -print0)

# /etc, /home, /tmp ...
mkdir -p "$NEW"/{etc,home/user,root,tmp,var/tmp,dev,proc,run,mnt}
chmod 1777 "$NEW/tmp" "$NEW/var/tmp"
chmod 0700 "$NEW/root"
cat > "$NEW/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$NEW/etc/group" <<'EOF'
root:x:0:
users:x:100:user
user:x:1000:
nogroup:x:65534:
EOF
echo tbwasm > "$NEW/etc/hostname"
printf '127.0.0.1\tlocalhost tbwasm\n::1\tlocalhost\n' > "$NEW/etc/hosts"
echo "/bin/sh" > "$NEW/etc/shells"
cat > "$NEW/etc/profile" <<'EOF'
# /etc/profile of the tbwasm root filesystem (scripts/fetch-rootfs.sh)
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export HOME="${HOME:-/home/user}" TERM="${TERM:-xterm}" LANG="${LANG:-C.UTF-8}"
export PS1='\u@\h:\w\$ '
export EDITOR=vi PAGER=less
alias ll='ls -l'
EOF
cat > "$NEW/etc/os-release" <<EOF
PRETTY_NAME="tbwasm root filesystem (Debian $SUITE riscv64 packages)"
NAME="tbwasm"
ID=tbwasm
ID_LIKE=debian
EOF
cat > "$NEW/home/user/README" <<'EOF'
Welcome to tbwasm: Debian riscv64 programs running in WebAssembly.
Try: python3, lua, sqlite3, nano, vi, ls /usr/bin.
EOF

# Precompiled bytecode for Python's standard library: without it every python3 start compiles
# the modules it imports, in the emulator.  The guest's own python3 compiles them (the .pyc
# format is the interpreter's), under qemu-riscv64 when present.
if command -v qemu-riscv64 >/dev/null; then
    t=$SECONDS
    # (host paths, so that qemu's -L lookup cannot send the new __pycache__ directories to the
    # host's /usr/lib; -s/-p record the guest path in the bytecode).  Two processes, each on
    # every other top-level entry (compileall's own -j needs a forkserver, which fails here).
    compile() {
        qemu-riscv64 -L "$NEW" "$NEW/usr/bin/python3.13" -E -s -m compileall -q \
            -x '/(test|tests|idlelib|tkinter|turtledemo|lib2to3|ensurepip|pydoc_data)/' \
            -s "$NEW" -p / "$@" >/dev/null 2>&1 || log "warning: compileall reported errors"
    }
    mapfile -t parts < <(find "$NEW/usr/lib/python3.13" -mindepth 1 -maxdepth 1 \
        \( -name '*.py' -o -type d \) ! -name __pycache__ ! -name site-packages | sort)
    even=() odd=()
    for i in "${!parts[@]}"; do
        if ((i % 2)); then odd+=("${parts[i]}"); else even+=("${parts[i]}"); fi
    done
    compile "${even[@]}" &
    compile "${odd[@]}"
    wait
    log "python bytecode compiled in $((SECONDS - t)) s"
else
    log "no qemu-riscv64: python's standard library left uncompiled (python3 starts slower)"
fi

(cd "$ROOT" && "$PY" -m py_backend.linux.rootfs index "$NEW")
# gzip copies for serve.py (Content-Encoding: gzip): python3's first run fetches 4.0 MB, not 8.8
(cd "$ROOT" && "$PY" -m py_backend.linux.rootfs gzip "$NEW")
{ echo "$WANT"; printf '%s\n' "${PKGS[@]}"; } > "$NEW/.tbwasm-complete"
rm -rf "$OUT.old"
[[ -e "$OUT" ]] && mv "$OUT" "$OUT.old"
mv "$NEW" "$OUT"
rm -rf "$OUT.old"
log "$(du -sh "$OUT" | cut -f1) in $OUT ($(find "$OUT" -type f | wc -l) files) in $((SECONDS - T0)) s"

if command -v qemu-riscv64 >/dev/null; then
    got="$(qemu-riscv64 -L "$OUT" "$OUT/usr/bin/python3" -c 'print(6*7)')"
    [[ "$got" == "42" ]] || { echo "fetch-rootfs: verification failed: python3 said '$got'" >&2; exit 1; }
    log "verified (qemu-riscv64 -L $OUT python3 -c 'print(6*7)' -> 42)"
fi
