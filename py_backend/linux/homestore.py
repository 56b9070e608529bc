"""The part of the guest's filesystem that a host keeps from one session to the next (the page:
IndexedDB, ``web/runtime/store.mjs``), and ``.tar.gz`` export and import of a directory.

What persists: everything below ``/home`` (the shell's ``HOME`` is ``/home/user``; other users'
homes live there too) and ``/root`` (root's home in ``/etc/passwd``: programs that look up the
home directory by uid rather than ``$HOME`` write there, and the page's shell runs as uid 0).
The rest of the tree (``/tmp``, ``/usr/local/bin``, the image's own files) starts afresh each
time: the image is the authority for it, and keeping it would freeze an old image's files.

The store is an overlay on the root filesystem image: one record per path that differs from the
image (a directory, a regular file with its bytes, a symlink with its target) and a "whiteout"
record for an image path the guest removed.  :class:`HomeStore` keeps the state last committed
to the store (a signature per path: inode, kind, mode, mtime and the node's change generation,
:attr:`~.vfs.Node.gen`), so :meth:`HomeStore.changes` walks only the kept roots and reads the
bytes of the files whose signature moved.  :func:`~.vfs.generation` (bumped by every write,
truncate, create, unlink, rename, chmod, utime, symlink, mkdir and rmdir of the in-memory tree)
tells a host cheaply whether a walk is worth doing at all.

The host's cycle: ``changes()`` -> one store transaction -> ``commit(changes)`` when it
succeeded; a failed transaction (quota) leaves the store as it was, and the same changes (and any
newer ones) come again from the next ``changes()``.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from . import vfs
from .vfs import Dir, File, HostDir, Node, Symlink

ROOTS = ("/home", "/root")
FORMAT_VERSION = 1  # of the records (web/runtime/store.mjs keeps it in the store's "meta" record)

# Import limits (an archive from anywhere): bytes after decompression, members, path length.
MAX_IMPORT_BYTES = 256 << 20
MAX_IMPORT_MEMBERS = 100_000
MAX_IMPORT_PATH = vfs.PATH_MAX - 256

KINDS = ("dir", "file", "symlink", "whiteout")


class HomeStoreError(Exception):
    """A bad record or archive (its message is one line)."""


@dataclass
class Record:
    """One path of the store.  ``mtime`` in ns; ``data`` for a file, ``target`` for a symlink."""

    path: str
    kind: str
    mode: int = 0
    mtime: int = 0
    data: bytes | None = None
    target: str | None = None


@dataclass
class Changes:
    """What changed since the last commit: records to put (by path) and paths to delete."""

    puts: list[Record] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    baseline: dict[str, tuple] = field(default_factory=dict)  # the state they lead to
    generation: int = 0

    @property
    def bytes(self) -> int:
        return sum(len(r.data) for r in self.puts if r.data is not None)

    def __bool__(self) -> bool:
        return bool(self.puts or self.deletes)


def _sig(node: Node) -> tuple:
    return (node.ino, node.kind, node.perm, node.mtime, getattr(node, "gen", 0))


def _persisted(node: Node) -> bool:
    """Kinds the store keeps: directories, regular files and symlinks of the in-memory tree
    (not host mounts, devices, FIFOs or sockets)."""
    if isinstance(node, HostDir) or getattr(node, "hpath", None) is not None:
        return False
    return isinstance(node, Dir | File | Symlink)


def walk(root: Dir, top: str) -> Iterator[tuple[str, Node]]:
    """(path, node) for ``top`` and everything below it (directories first; nothing if absent
    or not a directory)."""
    node = _lookup(root, top)
    if not isinstance(node, Dir) or not _persisted(node):
        return
    stack: list[tuple[str, Node]] = [(top, node)]
    while stack:
        path, n = stack.pop()
        yield path, n
        if isinstance(n, Dir):
            for name in sorted(n.names(), reverse=True):
                child = n.lookup(name)
                if child is not None and _persisted(child):
                    stack.append((f"{path}/{name}", child))


def _lookup(root: Dir, path: str) -> Node | None:
    """The node at an absolute, canonical ``path`` without following symlinks."""
    node: Node = root
    for part in path.strip("/").split("/"):
        if not part:
            continue
        if not isinstance(node, Dir):
            return None
        nxt = node.lookup(part)
        if nxt is None:
            return None
        node = nxt
    return node


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r + "/") for r in roots)


def check_path(path: object, roots: Iterable[str] = ROOTS) -> str:
    """A record's path: absolute, canonical, below one of the roots."""
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise HomeStoreError(f"bad path in the store: {path!r:.80}")
    parts = path.split("/")[1:]
    if any(p in ("", ".", "..") for p in parts) or len(path) > vfs.PATH_MAX:
        raise HomeStoreError(f"bad path in the store: {path!r:.80}")
    if not _under(path, roots):
        raise HomeStoreError(f"path outside the kept directories: {path!r:.80}")
    return path


class HomeStore:
    """The kept roots of one tree (``root``: the guest's /) and the state last committed.

    ``image_node(path)``, when given, makes a fresh node of the image's ``path`` (for
    :meth:`reset`); :meth:`apply` must come first if the store has records."""

    def __init__(
        self,
        root: Dir,
        roots: Iterable[str] = ROOTS,
        image_node: Callable[[str], Node | None] | None = None,
    ) -> None:
        self.root = root
        self.roots = tuple(roots)
        self.image_node = image_node
        self.image: set[str] = self._paths()  # the image's paths (whiteouts are for these)
        self.baseline: dict[str, tuple] = self._state()
        self.committed = vfs.generation()
        self.pending: Changes | None = None  # given to a host, not yet committed (the bridge)

    # --- the state ------------------------------------------------------------------------------

    def _paths(self) -> set[str]:
        return {p for top in self.roots for p, _ in walk(self.root, top)}

    def _state(self) -> dict[str, tuple]:
        return {p: _sig(n) for top in self.roots for p, n in walk(self.root, top)}

    @property
    def dirty(self) -> bool:
        """Anything in the tree changed since the last commit (maybe outside the roots)."""
        return vfs.generation() != self.committed

    def changes(self) -> Changes:
        """Records and deletions that bring the store to the tree's present state."""
        gen = vfs.generation()
        out = Changes(generation=gen)
        for top in self.roots:
            for path, node in walk(self.root, top):
                sig = _sig(node)
                out.baseline[path] = sig
                if self.baseline.get(path) != sig:
                    out.puts.append(record_of(path, node))
        for path in self.baseline:
            if path not in out.baseline:
                if path in self.image:
                    out.puts.append(Record(path, "whiteout"))
                else:
                    out.deletes.append(path)
        return out

    def commit(self, changes: Changes) -> None:
        """The store holds ``changes`` now."""
        self.baseline = changes.baseline
        self.committed = changes.generation

    # --- start-up and reset -------------------------------------------------------------------

    def apply(self, records: Iterable[Record]) -> int:
        """Put the store's records into the tree (parents first); the tree's state is then the
        committed one.  A malformed record raises HomeStoreError before anything changes."""
        checked = sorted(
            (_check_record(r, self.roots) for r in records), key=lambda r: r.path.count("/")
        )
        for r in checked:
            _place(self.root, r)
        for r in reversed(checked):  # (adding children touched the directories)
            node = _lookup(self.root, r.path)
            if r.kind == "dir" and isinstance(node, Dir):
                node.atime = node.mtime = node.ctime = r.mtime
        self.baseline = self._state()
        self.committed = vfs.generation()
        return len(checked)

    def reset(self) -> None:
        """The kept roots as the image has them (the store is emptied by the host)."""
        for top in self.roots:
            parent_path, name = top.rsplit("/", 1)
            parent = _lookup(self.root, parent_path or "/")
            if not isinstance(parent, Dir):
                continue
            if parent.lookup(name) is not None:
                parent.remove(name)
            fresh = self.image_node(top) if self.image_node is not None else None
            if fresh is None:
                fresh = Dir(0o700 if top == "/root" else 0o755)
            parent.add(name, fresh)
        self.image = self._paths()
        self.baseline = self._state()
        self.committed = vfs.generation()


def record_of(path: str, node: Node) -> Record:
    if isinstance(node, Dir):
        return Record(path, "dir", node.perm, node.mtime)
    if isinstance(node, Symlink):
        return Record(path, "symlink", node.perm, node.mtime, target=node.target)
    assert isinstance(node, File)
    return Record(path, "file", node.perm, node.mtime, data=bytes(node.data))


def _check_record(r: Record, roots: Iterable[str]) -> Record:
    check_path(r.path, roots)
    if r.kind not in KINDS:
        raise HomeStoreError(f"bad record kind {r.kind!r:.20} for {r.path}")
    if r.kind == "file" and not isinstance(r.data, bytes | bytearray):
        raise HomeStoreError(f"file record without data: {r.path}")
    if r.kind == "symlink" and (not isinstance(r.target, str) or not r.target):
        raise HomeStoreError(f"symlink record without a target: {r.path}")
    if not isinstance(r.mode, int) or not isinstance(r.mtime, int):
        raise HomeStoreError(f"bad mode or mtime: {r.path}")
    return r


def _make(r: Record) -> Node:
    node: Node
    if r.kind == "dir":
        node = Dir(r.mode)
    elif r.kind == "symlink":
        assert r.target is not None
        node = Symlink(r.target)
    else:
        node = File(r.mode, bytes(r.data or b""))
    node.perm = r.mode & 0o7777 if r.kind != "symlink" else 0o777
    node.atime = node.mtime = node.ctime = r.mtime
    return node


def _place(root: Dir, r: Record) -> None:
    """Put one record into the tree: missing parents are made; a whiteout removes the path."""
    parent_path, name = r.path.rsplit("/", 1)
    d: Node = root
    for part in [p for p in parent_path.split("/") if p]:
        assert isinstance(d, Dir)
        nxt = d.lookup(part)
        if not isinstance(nxt, Dir):
            if nxt is not None:
                d.remove(part)
            d.mkdir(part, 0o755)
            nxt = d.lookup(part)
        assert isinstance(nxt, Dir)
        d = nxt
    assert isinstance(d, Dir)
    old = d.lookup(name)
    if r.kind == "whiteout":
        if old is not None:
            d.remove(name)
        return
    if r.kind == "dir" and isinstance(old, Dir):  # keep its entries; take the mode and times
        old.perm = r.mode & 0o7777
        old.atime = old.mtime = old.ctime = r.mtime
        return
    if old is not None:
        d.remove(name)
    d.add(name, _make(r))


# --- .tar.gz export and import ------------------------------------------------------------------


def export_tar(root: Dir, top: str) -> bytes:
    """The directory ``top`` of the tree as ``.tar.gz`` bytes: members named relative to it
    (``./name``), with their modes and mtimes (directories, regular files, symlinks)."""
    node = _lookup(root, top)
    if not isinstance(node, Dir):
        raise HomeStoreError(f"{top}: not a directory")
    buf = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path, n in walk(root, top):
            rel = "." + path[len(top) :]
            info = tarfile.TarInfo(rel)
            info.mode = n.perm
            info.mtime = n.mtime // 1_000_000_000
            info.uname = info.gname = "root"
            if isinstance(n, Dir):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif isinstance(n, Symlink):
                info.type = tarfile.SYMTYPE
                info.linkname = n.target
                tar.addfile(info)
            elif isinstance(n, File):
                data = bytes(n.data)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip bytes (several members allowed), at most ``limit`` bytes out."""
    out = bytearray()
    rest = data
    if not rest:
        raise HomeStoreError("the archive is empty")
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while True:
                chunk = d.decompress(rest, limit + 1 - len(out))
                out += chunk
                if len(out) > limit:
                    raise HomeStoreError(f"the archive holds more than {limit >> 20} MiB")
                if d.eof or not d.unconsumed_tail:
                    break
                rest = d.unconsumed_tail
        except zlib.error:
            raise HomeStoreError("not a .tar.gz archive (bad gzip data)") from None
        if not d.eof:
            raise HomeStoreError("the archive is truncated")
        rest = d.unused_data
        if rest.strip(b"\0") == b"":  # padding after the last member
            break
    return bytes(out)


def read_tar(data: bytes, *, limit: int = MAX_IMPORT_BYTES) -> list[Record]:
    """The members of ``.tar.gz`` bytes as records relative to "" (paths "/a/b"), checked:
    no absolute names or ``..``, no devices, FIFOs or hard links out of the archive, within the
    size and member limits.  Any problem raises HomeStoreError (one line)."""
    raw = _gunzip(bytes(data), limit)
    try:
        tar = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
        members = []
        for m in tar:
            members.append(m)
            if len(members) > MAX_IMPORT_MEMBERS:
                raise HomeStoreError(f"the archive has more than {MAX_IMPORT_MEMBERS} members")
    except (tarfile.TarError, EOFError) as e:
        raise HomeStoreError(f"not a valid tar archive ({e})") from None
    records: dict[str, Record] = {}
    for m in members:
        name = m.name
        if name.startswith("/") or "\0" in name:
            raise HomeStoreError(f"unsafe member name: {name!r:.80}")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if any(p == ".." for p in parts):
            raise HomeStoreError(f"unsafe member name: {name!r:.80}")
        if any(len(p.encode()) > vfs.NAME_MAX for p in parts):
            raise HomeStoreError(f"member name too long: {name!r:.80}")
        path = "/" + "/".join(parts)
        if len(path) > MAX_IMPORT_PATH:
            raise HomeStoreError(f"member name too long: {name!r:.80}")
        mtime = int(m.mtime) * 1_000_000_000
        mode = m.mode & 0o7777
        if not parts:  # "." itself: the directory imported into
            continue
        if m.isdir():
            records[path] = Record(path, "dir", mode, mtime)
        elif m.issym():
            if not m.linkname:
                raise HomeStoreError(f"symlink without a target: {name!r:.80}")
            records[path] = Record(path, "symlink", 0o777, mtime, target=m.linkname)
        elif m.islnk():
            src = "/" + "/".join(p for p in m.linkname.split("/") if p not in ("", "."))
            got = records.get(src)
            if got is None or got.kind != "file":
                raise HomeStoreError(f"hard link to a file not in the archive: {name!r:.80}")
            records[path] = Record(path, "file", got.mode, mtime, data=got.data)
        elif m.isreg():
            f = tar.extractfile(m)
            body = f.read() if f is not None else b""
            if len(body) != m.size:
                raise HomeStoreError("the archive is truncated")
            records[path] = Record(path, "file", mode, mtime, data=body)
        else:
            raise HomeStoreError(f"device, FIFO or other special file: {name!r:.80}")
    return list(records.values())


def import_tar(root: Dir, top: str, data: bytes, *, limit: int = MAX_IMPORT_BYTES) -> int:
    """Extract ``.tar.gz`` bytes into the directory ``top``: all or nothing.  Every member is
    read and checked, and every path checked against the tree (a directory where the archive has
    something else: an error), before the first change.  What else is in the way of an archive's
    entry is replaced (a symlink is never followed).  Returns the number of entries put."""
    dest = _lookup(root, top)
    if not isinstance(dest, Dir) or not _persisted(dest):
        raise HomeStoreError(f"{top}: not a directory")
    records = sorted(read_tar(data, limit=limit), key=lambda r: r.path.count("/"))
    for r in records:
        node: Node | None = dest
        for part in r.path.strip("/").split("/"):
            node = node.lookup(part) if isinstance(node, Dir) else None
            if node is None:
                break
            if not _persisted(node):
                raise HomeStoreError(f"{top}{r.path}: cannot be replaced")
        if isinstance(node, Dir) and r.kind != "dir":
            raise HomeStoreError(f"{top}{r.path}: is a directory in {top}")
    for r in records:
        _place(dest, r)
    return len(records)


def records_of(items: Iterable[dict]) -> list[Record]:
    """Records from plain dicts (``path``, ``kind``, ``mode``, ``mtime_s``, ``mtime_ns``,
    ``data``, ``target``), as a host's store gives them back."""
    out = []
    for it in items:
        if not isinstance(it, dict):
            raise HomeStoreError("bad record in the store")
        try:
            mtime = int(it.get("mtime_s", 0)) * 1_000_000_000 + int(it.get("mtime_ns", 0))
            mode = int(it.get("mode", 0))
        except (TypeError, ValueError):
            raise HomeStoreError(f"bad record in the store: {it.get('path')!r:.80}") from None
        data = it.get("data")
        out.append(
            Record(
                path=it.get("path"),  # type: ignore[arg-type]
                kind=str(it.get("kind")),
                mode=mode,
                mtime=mtime,
                data=bytes(data) if data is not None else None,
                target=it.get("target"),
            )
        )
    return out


def dict_of(r: Record) -> dict:
    """A record as a plain dict for a host's store (mtime split: JavaScript numbers are exact
    to 2^53 only)."""
    d: dict = {
        "path": r.path,
        "kind": r.kind,
        "mode": r.mode,
        "mtime_s": r.mtime // 1_000_000_000,
        "mtime_ns": r.mtime % 1_000_000_000,
    }
    if r.data is not None:
        d["data"] = r.data
    if r.target is not None:
        d["target"] = r.target
    return d
