"""A root filesystem read lazily from an image: a directory tree (``scripts/fetch-rootfs.sh``
builds one from Debian riscv64 packages into ``static/rootfs/``) and its index.

The index (``INDEX_NAME`` at the top of the tree) lists every directory, regular file and
symlink with its mode, mtime and size or target, so directories are listed and files stat'ed
without reading any file; a regular file's bytes are asked of the host's ``fetch(path)`` the
first time anything reads them (the page: a synchronous XMLHttpRequest to ``/rootfs/<path>``;
Node and the native host: the file in the local tree) and kept from then on.  A directory's
nodes are made from the index the first time it is looked into (:class:`LazyDir`): opening the
image costs one JSON parse, not a node per file (in Pyodide, ~1,600 nodes took 50-200 ms).

The tree is made of the in-memory filesystem's own nodes (:class:`~.vfs.Dir`, :class:`~.vfs.Symlink`
and :class:`LazyFile`, a :class:`~.vfs.File` whose bytes arrive on first use), so it is writable
like any other part of it: a write to an image file fetches it, then changes the copy in memory
(copy-up); new files, renames and unlinks are plain in-memory operations.  A host that keeps one
:class:`Rootfs` and hands it to each :class:`~py_backend.machine.Machine` it makes (``rootfs=``)
keeps what the guests wrote, uploads and fetched bytes from one run to the next.

Index format (JSON)::

    {"version": 2, "entries": N, "bytes": N, "root": [mode, mtime_s, {name: entry, ...}]}

where an entry is ``[mode, mtime_s, x]``: ``x`` is the entries of a directory (an object), the
size of a regular file, the target of a symlink.  ``entries`` and ``bytes`` count the entries and
the bytes of regular files below the root.

``python3 -m py_backend.linux.rootfs index DIR`` writes ``DIR/.tbwasm-index.json``;
``python3 -m py_backend.linux.rootfs gzip DIR`` writes gzip copies of the files that shrink
(``DIR/.tbwasm-gz/<path>.gz``, which serve.py sends to a client that accepts gzip: python3's
first run fetches 4.0 MB instead of 8.8 MB).
"""

from __future__ import annotations

import json
import os
import stat as pystat
import sys
import time
from collections.abc import Callable

from . import errors as E
from .errors import SyscallError
from .vfs import Dir, File, Node, Symlink

INDEX_NAME = ".tbwasm-index.json"
GZIP_DIR = ".tbwasm-gz"  # gzip copies of the image's files (serve.py)
INDEX_VERSION = 2
_PRIVATE_PREFIX = ".tbwasm-"  # top-level names of the image's own files (index, stamp): hidden

Fetch = Callable[[str], bytes]


class RootfsError(Exception):
    """A malformed index or an unreadable image (one line)."""


class LazyFile(File):
    """A regular file of the image: ``data`` is fetched on first use (then it is an ordinary
    in-memory file: reads, writes, truncation)."""

    def __init__(self, perm: int, size: int, mtime_ns: int, path: str, rootfs: Rootfs) -> None:
        Node.__init__(self, perm)
        self._data: bytearray | None = None
        self._size = size
        self.image_path = path
        self._rootfs = rootfs
        self.atime = self.mtime = self.ctime = mtime_ns
        self._image_mtime = mtime_ns  # (state.py: a file still like the image's is not saved)

    @property  # type: ignore[override]
    def data(self) -> bytearray:
        if self._data is None:
            self._data = bytearray(self._rootfs.fetch_file(self.image_path, self._size))
        return self._data

    @data.setter
    def data(self, value: bytearray) -> None:
        self._data = value

    @property
    def fetched(self) -> bool:
        return self._data is not None

    def size(self) -> int:
        return self._size if self._data is None else len(self._data)


def strerror(code: int) -> str:
    """The host's text for a Linux errno (Pyodide numbers errors as Emscripten does)."""
    import errno as host_errno

    name = next((k for k, v in E._BY_NAME.items() if v == code), "")
    host = getattr(host_errno, name, None) if name else None
    return os.strerror(host) if host is not None else f"errno {code}"


def _check_path(path: object) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise RootfsError(f"bad path: {path!r}")
    if "/." in path and any(p in (".", "..") for p in path.split("/")):  # (rare: cheap first)
        raise RootfsError(f"bad path: {path!r}")
    return path


def _entry(raw: object) -> tuple[int, int, object]:
    if not isinstance(raw, list) or len(raw) != 3:
        raise RootfsError(f"rootfs index: bad entry {raw!r:.60}")
    mode, mtime, extra = raw
    if not isinstance(mode, int) or not isinstance(mtime, int):
        raise RootfsError(f"rootfs index: bad entry {raw!r:.60}")
    return mode, mtime, extra


class LazyDir(Dir):
    """A directory of the image: its nodes are made from its index entries on first use (any
    access to ``entries``), then it is an ordinary in-memory directory."""

    def __init__(
        self, perm: int, parent: Dir | None, name: str, children: dict, path: str, rootfs: Rootfs
    ) -> None:
        self._pending: dict | None = children
        self._rootfs = rootfs
        self.image_path = path
        super().__init__(perm, parent, name)  # (sets entries, through the property)
        # nlink counts subdirectories, as Linux's does, before they are made
        self.nlink = 2 + sum(
            1
            for c in children.values()
            if isinstance(c, list) and len(c) == 3 and isinstance(c[2], dict)
        )

    @property  # type: ignore[override]
    def entries(self) -> dict[str, Node]:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._entries.update(self._rootfs._children(self, pending))
        return self._entries

    @entries.setter
    def entries(self, value: dict[str, Node]) -> None:
        self._entries = value


class Rootfs:
    """A root directory tree from an index; see the module docstring.

    ``fetch(path)`` returns the bytes of the image's regular file at ``path`` (an index path);
    it may raise any exception, which a reading guest sees as EIO."""

    def __init__(self, index: dict | str | bytes | None = None, fetch: Fetch | None = None) -> None:
        self.fetch = fetch
        self.entries = 0  # entries of the image (its index says)
        self.fetches = 0
        self.fetched_bytes = 0
        self.fetch_seconds = 0.0
        self.root: Dir = Dir(0o755)
        if index is not None:
            self.root = self._open(index)

    # --- building ----------------------------------------------------------------------------

    def _open(self, index: dict | str | bytes) -> Dir:
        if isinstance(index, str | bytes):
            try:
                index = json.loads(index)
            except ValueError as e:
                raise RootfsError(f"rootfs index is not JSON: {e}") from None
        if not isinstance(index, dict) or index.get("version") != INDEX_VERSION:
            raise RootfsError(f"rootfs index: expected version {INDEX_VERSION}")
        mode, mtime, children = _entry(index.get("root"))
        if not pystat.S_ISDIR(mode) or not isinstance(children, dict):
            raise RootfsError("rootfs index: the root is not a directory")
        entries = index.get("entries", 0)
        self.entries = entries if isinstance(entries, int) else 0
        self.index_root = index["root"]  # (kept for image_node)
        root = LazyDir(mode, None, "", children, "", self)
        root.atime = root.mtime = root.ctime = mtime * 1_000_000_000
        return root

    def image_node(self, path: str) -> Node | None:
        """A fresh node of the image's ``path`` (a canonical absolute path; None if the image
        has none there): what the guest's changes to it are undone with (linux/homestore.py)."""
        entry = getattr(self, "index_root", None)
        parent_path, name = path.rstrip("/").rsplit("/", 1)
        for part in [p for p in path.split("/") if p]:
            if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[2], dict):
                return None
            entry = entry[2].get(part)
        if entry is None or not name:
            return None
        holder = LazyDir(0o755, None, "", {name: entry}, parent_path, self)
        return holder.entries.get(name)

    def _children(self, d: LazyDir, raw: dict) -> dict[str, Node]:
        """The nodes of a LazyDir's index entries; a malformed one is left out (it is found only
        now, inside some guest's system call: that guest sees no such file)."""
        out: dict[str, Node] = {}
        for name, entry in raw.items():
            if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
                continue
            try:
                mode, mtime, extra = _entry(entry)
            except RootfsError:
                continue
            path = f"{d.image_path}/{name}"
            node: Node
            if pystat.S_ISDIR(mode) and isinstance(extra, dict):
                node = LazyDir(mode, d, name, extra, path, self)
            elif pystat.S_ISLNK(mode) and isinstance(extra, str) and extra:
                node = Symlink(extra)
            elif pystat.S_ISREG(mode) and isinstance(extra, int) and extra >= 0:
                node = LazyFile(mode, extra, mtime * 1_000_000_000, path, self)
            else:
                continue
            node.atime = node.mtime = node.ctime = mtime * 1_000_000_000
            out[name] = node
        return out

    @classmethod
    def from_dir(cls, tree: str) -> Rootfs:
        """The image in a local directory: its index file if it has one, else an index made by
        walking it now; files are read from the tree."""
        tree = os.path.abspath(tree)
        if not os.path.isdir(tree):
            raise RootfsError(f"rootfs {tree}: not a directory")
        try:
            with open(os.path.join(tree, INDEX_NAME), "rb") as f:
                index: dict | bytes = f.read()
        except FileNotFoundError:
            index = build_index(tree)
        except OSError as e:
            raise RootfsError(f"rootfs {tree}: {e.strerror}") from None
        return cls(index, local_fetch(tree))

    # --- files --------------------------------------------------------------------------------

    def fetch_file(self, path: str, size: int) -> bytes:
        if self.fetch is None:
            raise SyscallError(E.EIO)
        t0 = time.perf_counter()
        try:
            data = bytes(self.fetch(path))
        except SyscallError:
            raise
        except Exception:
            raise SyscallError(E.EIO) from None
        if len(data) != size:  # a stale or truncated image: better an error than a wrong file
            raise SyscallError(E.EIO)
        self.fetch_seconds += time.perf_counter() - t0
        self.fetches += 1
        self.fetched_bytes += len(data)
        return data

    def lookup(self, path: str, *, follow: bool = True, _depth: int = 0) -> Node:
        """The node at an absolute guest ``path`` (symlinks followed; SyscallError if none)."""
        if not path.startswith("/"):
            raise SyscallError(E.EINVAL)
        node: Node = self.root
        parts = [p for p in path.split("/") if p and p != "."]
        for i, part in enumerate(parts):
            if not isinstance(node, Dir):
                raise SyscallError(E.ENOTDIR)
            d = node
            if part == "..":
                node = d.parent
                continue
            nxt = d.lookup(part)
            if nxt is None:
                raise SyscallError(E.ENOENT)
            if isinstance(nxt, Symlink) and (follow or i < len(parts) - 1):
                if _depth >= 40:
                    raise SyscallError(E.ELOOP)
                target = nxt.target if nxt.target.startswith("/") else d.path() + "/" + nxt.target
                nxt = self.lookup(target, _depth=_depth + 1)
            node = nxt
        return node

    def read_file(self, path: str) -> bytes:
        """The bytes of the regular file at guest ``path`` (SyscallError if it is not one)."""
        node = self.lookup(path)
        if isinstance(node, Dir):
            raise SyscallError(E.EISDIR)
        if not isinstance(node, File):
            raise SyscallError(E.EINVAL)
        return bytes(node.data)

    def write_file(self, path: str, data: bytes, perm: int = 0o644) -> None:
        """Put ``data`` at guest ``path`` (an upload): missing directories are made, an existing
        file is replaced (its mode kept)."""
        if not path.startswith("/") or path.endswith("/"):
            raise SyscallError(E.EINVAL)
        parent_path, name = path.rsplit("/", 1)
        if name in (".", ".."):
            raise SyscallError(E.EINVAL)
        d: Node = self.root
        for part in [p for p in parent_path.split("/") if p]:
            if part in (".", ".."):
                raise SyscallError(E.EINVAL)
            assert isinstance(d, Dir)
            nxt = d.lookup(part)
            if nxt is None:
                d.mkdir(part, 0o755)
                nxt = d.lookup(part)
            elif isinstance(nxt, Symlink):
                nxt = self.lookup(d.path().rstrip("/") + "/" + part)
            if not isinstance(nxt, Dir):
                raise SyscallError(E.ENOTDIR)
            d = nxt
        assert isinstance(d, Dir)
        old = d.lookup(name)
        if isinstance(old, Dir):
            raise SyscallError(E.EISDIR)
        if isinstance(old, File):
            old.data = bytearray(data)
            old.touch()
            return
        if old is not None:
            d.remove(name)
        d.add(name, File(perm, data))

    def stats(self) -> dict[str, float]:
        return {
            "rootfs_entries": self.entries,
            "rootfs_fetches": self.fetches,
            "rootfs_fetched_bytes": self.fetched_bytes,
            "rootfs_fetch_seconds": self.fetch_seconds,
        }


def local_fetch(tree: str) -> Fetch:
    """fetch(path) reading the image's files from the local directory ``tree``."""
    tree = os.path.abspath(tree)

    def fetch(path: str) -> bytes:
        with open(os.path.join(tree, _check_path(path).lstrip("/")), "rb") as f:
            return f.read()

    return fetch


def build_index(tree: str) -> dict:
    """The index of a local directory tree (directories, regular files, symlinks; anything else
    and the image's own ``.tbwasm-*`` files at the top are left out)."""

    def walk(host: str, top: bool) -> dict:
        out: dict[str, list] = {}
        for name in sorted(os.listdir(host)):
            if top and name.startswith(_PRIVATE_PREFIX):
                continue
            p = os.path.join(host, name)
            st = os.lstat(p)
            if pystat.S_ISLNK(st.st_mode):
                extra: object = os.readlink(p)
            elif pystat.S_ISREG(st.st_mode):
                extra = st.st_size
            elif pystat.S_ISDIR(st.st_mode):
                extra = walk(p, False)
            else:
                continue
            out[name] = [st.st_mode, int(st.st_mtime), extra]
        return out

    tree = os.path.abspath(tree)
    st = os.stat(tree)  # (the tree itself may be reached through a symlink: static/rootfs)
    children = walk(tree, True)
    n, size = _count(children)
    root = [st.st_mode, int(st.st_mtime), children]
    return {"version": INDEX_VERSION, "entries": n, "bytes": size, "root": root}


def _count(children: dict) -> tuple[int, int]:
    """(entries, bytes of regular files) below an index directory."""
    n = size = 0
    for _mode, _mtime, extra in children.values():
        n += 1
        if isinstance(extra, dict):
            a, b = _count(extra)
            n, size = n + a, size + b
        elif isinstance(extra, int):
            size += extra
    return n, size


def write_gzip_copies(tree: str, min_size: int = 1024, max_ratio: float = 0.9) -> tuple[int, int]:
    """gzip copies of a tree's regular files into ``tree/GZIP_DIR`` (same relative paths plus
    ``.gz``, same mtime) for those of at least ``min_size`` bytes that shrink below
    ``max_ratio``; an up-to-date copy is kept.  Returns (files written or kept, their bytes)."""
    import gzip

    tree = os.path.abspath(tree)
    out_root = os.path.join(tree, GZIP_DIR)
    count = total = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        if dirpath == tree:
            dirnames[:] = [d for d in dirnames if not d.startswith(_PRIVATE_PREFIX)]
        for name in filenames:
            src = os.path.join(dirpath, name)
            st = os.lstat(src)
            if not pystat.S_ISREG(st.st_mode) or st.st_size < min_size:
                continue
            if dirpath == tree and name.startswith(_PRIVATE_PREFIX):
                continue
            dst = os.path.join(out_root, os.path.relpath(src, tree) + ".gz")
            try:
                if os.stat(dst).st_mtime_ns == st.st_mtime_ns:
                    count, total = count + 1, total + os.stat(dst).st_size
                    continue
            except FileNotFoundError:
                pass
            with open(src, "rb") as f:
                packed = gzip.compress(f.read(), 6, mtime=0)
            if len(packed) > st.st_size * max_ratio:
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(packed)
            os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
            count, total = count + 1, total + len(packed)
    return count, total


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("index", "gzip"):
        sys.stderr.write("usage: python3 -m py_backend.linux.rootfs index|gzip DIR\n")
        return 2
    tree = argv[1]
    if not os.path.isdir(tree):
        sys.stderr.write(f"rootfs: {tree}: not a directory\n")
        return 2
    if argv[0] == "gzip":
        n, size = write_gzip_copies(tree)
        print(f"rootfs: {n} gzip copies, {size / 1e6:.1f} MB -> {os.path.join(tree, GZIP_DIR)}")
        return 0
    index = build_index(tree)
    out = os.path.join(tree, INDEX_NAME)
    with open(out + ".tmp", "w") as f:
        json.dump(index, f, separators=(",", ":"))
    os.replace(out + ".tmp", out)
    n, size = index["entries"], index["bytes"]
    print(f"rootfs: indexed {n} entries, {size / 1e6:.1f} MB of files -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
