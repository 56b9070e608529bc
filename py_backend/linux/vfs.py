"""An in-memory filesystem for the guest, with optional host directories mounted into it and an
optional read-only sysroot overlay.

Nothing here touches host files except below a directory given to :meth:`Vfs.mount_host` or as
the ``sysroot``.  Errors are raised as ``SyscallError(errno)``.

The sysroot works like qemu-user's ``-L`` prefix: an absolute guest path that exists under the
sysroot (after following symlinks there; absolute symlink targets are guest paths again) names
that host file, read-only; any other path falls through to the in-memory tree and its mounts.
``/`` itself and everything under ``/dev`` and ``/proc`` always stay emulated, and the overlay
shows only directories, regular files and symlinks (device nodes, FIFOs and sockets under the
sysroot count as absent).
"""

from __future__ import annotations

import itertools
import os
import stat as pystat
import struct
import time
from collections.abc import Callable

from . import errors as E
from .errors import SyscallError, WouldBlock

S_IFMT = 0o170000
S_IFSOCK = 0o140000
S_IFLNK = 0o120000
S_IFREG = 0o100000
S_IFBLK = 0o060000
S_IFDIR = 0o040000
DIR_SIZE = 4096  # st_size of a directory of the in-memory tree
S_IFCHR = 0o020000
S_IFIFO = 0o010000

DT_FIFO = 1
DT_CHR = 2
DT_DIR = 4
DT_REG = 8
DT_LNK = 10

O_ACCMODE = 3
O_RDONLY = 0
O_WRONLY = 1
O_RDWR = 2
O_CREAT = 0o100
O_EXCL = 0o200
O_NOCTTY = 0o400
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_DIRECTORY = 0o200000
O_NOFOLLOW = 0o400000
O_CLOEXEC = 0o2000000
O_PATH = 0o10000000
O_TMPFILE = 0o20000000

MAX_SYMLINKS = 40
PATH_MAX = 4096
NAME_MAX = 255

_inos = itertools.count(2)


def _now_ns() -> int:
    return time.time_ns()


_changes = [0]  # changes to the in-memory tree so far (Node.changed)


def generation() -> int:
    """A counter of changes to in-memory files and directories (content, entries, mode, times):
    a host that keeps files (linux/homestore.py) looks for changes only when it has moved."""
    return _changes[0]


def _err(code: int) -> SyscallError:
    return SyscallError(code)


class Node:
    """Common inode data; subclasses say what kind of file it is."""

    kind = S_IFREG
    readonly = False  # True for files and directories of the sysroot overlay (EROFS)
    gen = 0  # the generation() of its last change (set by changed())

    def __init__(self, perm: int) -> None:
        self.ino = next(_inos)
        self.perm = perm & 0o7777
        self.uid = 0
        self.gid = 0
        self.nlink = 1
        self.rdev = 0
        t = _now_ns()
        self.atime = self.mtime = self.ctime = t

    @property
    def mode(self) -> int:
        return self.kind | self.perm

    def size(self) -> int:
        return 0

    def touch(self) -> None:
        self.mtime = self.ctime = _now_ns()
        self.changed()

    def changed(self) -> None:
        """Its data, entries, mode or times changed (see generation())."""
        _changes[0] += 1
        self.gen = _changes[0]


class File(Node):
    kind = S_IFREG

    def __init__(self, perm: int = 0o644, data: bytes = b"") -> None:
        super().__init__(perm)
        self.data = bytearray(data)

    def size(self) -> int:
        return len(self.data)

    def read_at(self, off: int, n: int) -> bytes:
        return bytes(self.data[off : off + n])

    def write_at(self, off: int, data: bytes) -> int:
        if off > len(self.data):
            self.data.extend(bytes(off - len(self.data)))
        self.data[off : off + len(data)] = data
        self.touch()
        return len(data)

    def truncate(self, size: int) -> None:
        if size < len(self.data):
            del self.data[size:]
        else:
            self.data.extend(bytes(size - len(self.data)))
        self.touch()


class Symlink(Node):
    kind = S_IFLNK

    def __init__(self, target: str) -> None:
        super().__init__(0o777)
        self.target = target

    def size(self) -> int:
        return len(self.target.encode())


class ExeLink(Symlink):
    """/proc/self/exe: the running process's program (``current()``, set by the process
    layer; every view of the tree shares this node)."""

    def __init__(self, exe_path: str) -> None:
        super().__init__(exe_path)
        self.current: Callable[[], str] | None = None

    @property  # type: ignore[override]
    def target(self) -> str:
        return self.current() if self.current is not None else self._target

    @target.setter
    def target(self, value: str) -> None:
        self._target = value


class Device(Node):
    """A character device: 'null', 'zero', 'urandom' or 'tty'."""

    kind = S_IFCHR

    def __init__(self, name: str, rdev: int) -> None:
        super().__init__(0o666)
        self.name = name
        self.rdev = rdev


class Dir(Node):
    kind = S_IFDIR

    def __init__(self, perm: int = 0o755, parent: Dir | None = None, name: str = "") -> None:
        super().__init__(perm)
        self.parent: Dir = parent if parent is not None else self
        self.name = name
        self.entries: dict[str, Node] = {}
        self.nlink = 2

    # The directory interface (HostDir implements the same methods).

    def lookup(self, name: str) -> Node | None:
        return self.entries.get(name)

    def names(self) -> list[str]:
        return list(self.entries)

    def add(self, name: str, node: Node) -> Node:
        self.entries[name] = node
        if isinstance(node, Dir):
            node.parent, node.name = self, name
            self.nlink += 1
        self.touch()
        return node

    def create_file(self, name: str, perm: int) -> Node:
        return self.add(name, File(perm))

    def mkdir(self, name: str, perm: int) -> None:
        self.add(name, Dir(perm, self, name))

    def symlink(self, name: str, target: str) -> None:
        self.add(name, Symlink(target))

    def remove(self, name: str) -> None:
        node = self.entries.pop(name)
        if isinstance(node, Dir):
            self.nlink -= 1
        node.nlink = max(0, node.nlink - 1)
        self.touch()

    def is_empty(self) -> bool:
        return not self.entries

    def path(self) -> str:
        parts: list[str] = []
        d: Dir = self
        while d.parent is not d:
            parts.append(d.name)
            d = d.parent
        return "/" + "/".join(reversed(parts))


# --- host directories --------------------------------------------------------------------------


def _host_call(fn: Callable[[], object]) -> object:
    try:
        return fn()
    except OSError as e:
        raise _err(E.from_host(e.errno)) from None


class HostFile(Node):
    kind = S_IFREG

    def __init__(self, path: str, st: os.stat_result, *, readonly: bool = False) -> None:
        super().__init__(st.st_mode)
        self.hpath = path
        self.readonly = readonly
        self._sync(st)

    def _sync(self, st: os.stat_result) -> None:
        self.perm = st.st_mode & 0o7777
        self.atime, self.mtime, self.ctime = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns

    def size(self) -> int:
        return int(_host_call(lambda: os.stat(self.hpath).st_size))  # type: ignore[call-overload]

    def read_at(self, off: int, n: int) -> bytes:
        def go() -> bytes:
            with open(self.hpath, "rb") as f:
                f.seek(off)
                return f.read(n)

        return _host_call(go)  # type: ignore[return-value]

    def write_at(self, off: int, data: bytes) -> int:
        if self.readonly:
            raise _err(E.EROFS)

        def go() -> int:
            with open(self.hpath, "r+b") as f:
                f.seek(0, 2)
                end = f.tell()
                if off > end:
                    f.write(bytes(off - end))
                f.seek(off)
                return f.write(data)

        return _host_call(go)  # type: ignore[return-value]

    def truncate(self, size: int) -> None:
        if self.readonly:
            raise _err(E.EROFS)
        _host_call(lambda: os.truncate(self.hpath, size))


class HostDir(Dir):
    """A host directory; children are looked up on the host every time.

    ``readonly`` (the sysroot overlay): nothing can be created, removed or written below it
    (EROFS), and only directories, regular files and symlinks are visible.  ``parent=None``
    makes the directory its own parent (the root of the overlay)."""

    def __init__(
        self, hpath: str, parent: Dir | None, name: str, *, readonly: bool = False
    ) -> None:
        super().__init__(0o755, parent, name)
        self.hpath = hpath
        self.readonly = readonly
        self._cache: dict[str, Node] = {}

    def _node(self, name: str, st: os.stat_result) -> Node | None:
        p = os.path.join(self.hpath, name)
        old = self._cache.get(name)
        node: Node
        if pystat.S_ISDIR(st.st_mode):
            node = (
                old if isinstance(old, HostDir) else HostDir(p, self, name, readonly=self.readonly)
            )
        elif pystat.S_ISLNK(st.st_mode):
            try:
                node = Symlink(os.readlink(p))
            except OSError:
                return None
        elif pystat.S_ISREG(st.st_mode):
            node = old if isinstance(old, HostFile) else HostFile(p, st, readonly=self.readonly)
            if isinstance(node, HostFile):
                node._sync(st)
        elif self.readonly:
            return None
        else:
            return File(0)
        self._cache[name] = node
        return node

    def _check_writable(self) -> None:
        if self.readonly:
            raise _err(E.EROFS)

    def lookup(self, name: str) -> Node | None:
        try:
            st = os.lstat(os.path.join(self.hpath, name))
        except (OSError, ValueError):
            self._cache.pop(name, None)
            return None
        return self._node(name, st)

    def names(self) -> list[str]:
        return sorted(_host_call(lambda: os.listdir(self.hpath)))  # type: ignore[call-overload]

    def create_file(self, name: str, perm: int) -> Node:
        self._check_writable()
        p = os.path.join(self.hpath, name)
        _host_call(lambda: os.close(os.open(p, os.O_CREAT | os.O_WRONLY, perm & 0o777)))
        node = self.lookup(name)
        if node is None:
            raise _err(E.EIO)
        return node

    def mkdir(self, name: str, perm: int) -> None:
        self._check_writable()
        _host_call(lambda: os.mkdir(os.path.join(self.hpath, name), perm & 0o777))

    def symlink(self, name: str, target: str) -> None:
        self._check_writable()
        _host_call(lambda: os.symlink(target, os.path.join(self.hpath, name)))

    def remove(self, name: str) -> None:
        self._check_writable()
        p = os.path.join(self.hpath, name)
        if os.path.isdir(p) and not os.path.islink(p):
            _host_call(lambda: os.rmdir(p))
        else:
            _host_call(lambda: os.unlink(p))
        self._cache.pop(name, None)

    def add(self, name: str, node: Node) -> Node:
        self._check_writable()
        raise _err(E.EXDEV)

    def is_empty(self) -> bool:
        return not self.names()


# --- the filesystem ---------------------------------------------------------------------------


def host_stat_fields(st: os.stat_result) -> dict[str, int]:
    """What a host file's own stat says of its size, links, blocks and times (the mode and
    owner are the emulated filesystem's)."""
    return {
        "size": st.st_size,
        "nlink": st.st_nlink,
        "blocks": st.st_blocks,
        "blksize": st.st_blksize,
        "atime": st.st_atime_ns,
        "mtime": st.st_mtime_ns,
        "ctime": st.st_ctime_ns,
    }


def _stat_of(node: Node, dev: int = 0x2A) -> dict[str, int]:
    hpath = getattr(node, "hpath", None)
    if isinstance(node, HostFile | HostDir) and hpath is not None:
        try:  # a mounted (or sysroot) file or directory: the host's numbers
            st = os.stat(hpath)
        except OSError:
            pass
        else:
            return {
                "dev": dev,
                "ino": node.ino,
                "mode": node.kind | (st.st_mode & 0o7777),
                "uid": node.uid,
                "gid": node.gid,
                "rdev": 0,
                **host_stat_fields(st),
            }
    # a directory reports one block, as a small one does on ext4 (what `ls -l` shows on Linux)
    size = DIR_SIZE if node.kind == S_IFDIR else node.size()
    return {
        "dev": dev,
        "ino": node.ino,
        "mode": node.mode,
        "nlink": node.nlink,
        "uid": node.uid,
        "gid": node.gid,
        "rdev": node.rdev,
        "size": size,
        "blksize": 4096,
        # whole pages, as tmpfs allocates them; a symlink's target is kept in its inode
        "blocks": 0 if node.kind == S_IFLNK else -(-size // 4096) * 8,
        "atime": node.atime,
        "mtime": node.mtime,
        "ctime": node.ctime,
    }


STAT = struct.Struct("<QQIIIIQQqiiqqQqQqQII")  # asm-generic struct stat, 128 bytes


def pack_stat(st: dict[str, int]) -> bytes:
    def ts(ns: int) -> tuple[int, int]:
        return ns // 1_000_000_000, ns % 1_000_000_000

    a, m, c = ts(st["atime"]), ts(st["mtime"]), ts(st["ctime"])
    return STAT.pack(
        st["dev"],
        st["ino"],
        st["mode"],
        st["nlink"],
        st["uid"],
        st["gid"],
        st["rdev"],
        0,
        st["size"],
        st["blksize"],
        0,
        st["blocks"],
        *a,
        *m,
        *c,
        0,
        0,
    )


def dtype_of(node: Node) -> int:
    return {S_IFDIR: DT_DIR, S_IFLNK: DT_LNK, S_IFCHR: DT_CHR, S_IFIFO: DT_FIFO}.get(
        node.kind, DT_REG
    )


class Vfs:
    """The directory tree, the current directory and the umask."""

    def __init__(
        self,
        exe_path: str = "/bin/program",
        *,
        hostname: str = "tbwasm",
        sysroot: str | None = None,
        root: Dir | None = None,
    ) -> None:
        # ``root``: an existing tree to use as / (a root filesystem image, linux/rootfs.py, that
        # a host keeps from run to run); what it already has is kept, what it lacks is added.
        self.root = root if root is not None else Dir(0o755)
        # The read-only sysroot overlay (see the module docstring); its root is its own parent.
        self.sysroot = os.path.abspath(sysroot) if sysroot else None
        self.overlay: HostDir | None = (
            HostDir(self.sysroot, None, "", readonly=True) if self.sysroot else None
        )
        self.cwd: Dir = self.root
        self.umask = 0o022
        for d in ["bin", "dev", "etc", "home", "proc", "proc/self", "tmp", "usr", "usr/bin", "var"]:
            if not self._exists("/" + d):
                self.mkdirs("/" + d)
        if root is None:
            self.mkdirs("/tmp").perm = 0o1777
        for path, data in [
            (
                "/etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
            ),
            ("/etc/group", b"root:x:0:\nuser:x:1000:\n"),
            ("/etc/hostname", hostname.encode() + b"\n"),
            ("/etc/hosts", b"127.0.0.1\tlocalhost\n::1\tlocalhost\n"),
        ]:
            if not self._exists(path):
                self.add_file(path, data)
        dev = self.lookup_dir("/dev")
        dev.add("null", Device("null", 0x103))
        dev.add("zero", Device("zero", 0x105))
        dev.add("urandom", Device("urandom", 0x109))
        dev.add("random", Device("urandom", 0x108))
        dev.add("tty", Device("tty", 0x500))
        self.exe_path = exe_path
        # one node for every view of a shared tree (what it names is set by whoever runs)
        proc_self = self.lookup_dir("/proc/self")
        kept = proc_self.entries.get("exe") if isinstance(proc_self, Dir) else None
        self.proc_self_exe = kept if isinstance(kept, ExeLink) else ExeLink(exe_path)
        self.proc_self_exe.target = exe_path
        proc_self.add("exe", self.proc_self_exe)

    # --- building ----------------------------------------------------------------------------

    def _exists(self, path: str) -> bool:
        try:
            self.resolve(self.root, path, follow=False)
        except SyscallError:
            return False
        return True

    def mkdirs(self, path: str) -> Dir:
        d = self.root
        for part in [p for p in path.split("/") if p]:
            nxt = d.lookup(part)
            if nxt is None:
                d.mkdir(part, 0o755)
                nxt = d.lookup(part)
            elif isinstance(nxt, Symlink):  # e.g. a root filesystem image's /bin -> usr/bin
                nxt = self.resolve(d, nxt.target)
            if not isinstance(nxt, Dir):
                raise _err(E.ENOTDIR)
            d = nxt
        return d

    def add_file(self, path: str, data: bytes, perm: int = 0o644) -> File:
        parent, name = path.rsplit("/", 1)
        f = File(perm, data)
        self.mkdirs(parent or "/").add(name, f)
        return f

    def lookup_dir(self, path: str) -> Dir:
        node = self.resolve(self.root, path)
        if not isinstance(node, Dir):
            raise _err(E.ENOTDIR)
        return node

    def mount_host(self, guest_path: str, host_dir: str) -> None:
        """Make ``host_dir`` (on the host) visible at ``guest_path``, read/write."""
        parent_path, name = guest_path.rstrip("/").rsplit("/", 1)
        parent = self.mkdirs(parent_path or "/")
        if not name:
            raise ValueError("cannot mount over /")
        if name in parent.entries:
            parent.remove(name)
        parent.add(name, HostDir(os.path.abspath(host_dir), parent, name))

    # --- path resolution ---------------------------------------------------------------------

    def _overlaid(self, path: str) -> bool:
        """Whether an absolute ``path`` is looked up in the sysroot overlay first."""
        if self.overlay is None or not path.startswith("/"):
            return False
        first = next((p for p in path.split("/") if p), "")
        return first not in ("", "dev", "proc")

    def host_path(self, path: str) -> str | None:
        """The host file an absolute guest path names in the sysroot overlay, if it does."""
        if not self._overlaid(path):
            return None
        try:
            node = self.resolve(self.root, path)
        except SyscallError:
            return None
        return node.hpath if isinstance(node, HostFile | HostDir) and node.readonly else None

    def resolve(self, start: Dir, path: str, *, follow: bool = True, _depth: int = 0) -> Node:
        """The node ``path`` names (relative paths start at ``start``)."""
        if self.overlay is not None and self._overlaid(path):
            try:
                return self._resolve(self.overlay, start, path, follow, _depth)
            except SyscallError:
                pass  # not under the sysroot: the in-memory tree
        return self._resolve(self.root, start, path, follow, _depth)

    def _resolve(self, root: Dir, start: Dir, path: str, follow: bool, _depth: int) -> Node:
        parent, name = self._resolve_parent(root, start, path, _depth)
        if name in ("", "."):
            return parent
        if name == "..":
            return parent.parent
        node = parent.lookup(name)
        if node is None:
            raise _err(E.ENOENT)
        if isinstance(node, Symlink) and follow:
            if _depth >= MAX_SYMLINKS:
                raise _err(E.ELOOP)
            node = self.resolve(parent, node.target, _depth=_depth + 1)
        if path.endswith("/") and not isinstance(node, Dir):
            raise _err(E.ENOTDIR)
        return node

    def resolve_parent(self, start: Dir, path: str, *, _depth: int = 0) -> tuple[Dir, str]:
        """(directory, last component) for ``path``; the last component is not looked up.

        An absolute path whose last component exists under the sysroot gives the (read-only)
        overlay directory; one that does not, the in-memory tree (where new files go)."""
        if self.overlay is not None and self._overlaid(path):
            try:
                d, name = self._resolve_parent(self.overlay, start, path, _depth)
                if name in (".", "..") or d.lookup(name) is not None:
                    return d, name
            except SyscallError:
                pass
        return self._resolve_parent(self.root, start, path, _depth)

    def _resolve_parent(self, root: Dir, start: Dir, path: str, _depth: int) -> tuple[Dir, str]:
        if path == "":
            raise _err(E.ENOENT)
        if len(path) >= PATH_MAX:
            raise _err(E.ENAMETOOLONG)
        d = root if path.startswith("/") else start
        parts = [p for p in path.split("/") if p]
        if not parts:
            return d, "."
        for part in parts[:-1]:
            if len(part) > NAME_MAX:
                raise _err(E.ENAMETOOLONG)
            if part == ".":
                continue
            if part == "..":
                d = d.parent
                continue
            nxt = d.lookup(part)
            if nxt is None:
                raise _err(E.ENOENT)
            if isinstance(nxt, Symlink):
                if _depth >= MAX_SYMLINKS:
                    raise _err(E.ELOOP)
                nxt = self.resolve(d, nxt.target, _depth=_depth + 1)
            if not isinstance(nxt, Dir):
                raise _err(E.ENOTDIR)
            d = nxt
        if len(parts[-1]) > NAME_MAX:
            raise _err(E.ENAMETOOLONG)
        return d, parts[-1]

    # --- operations ---------------------------------------------------------------------------

    def stat(self, node: Node) -> dict[str, int]:
        return _stat_of(node)

    def mkdir(self, start: Dir, path: str, perm: int) -> None:
        d, name = self.resolve_parent(start, path)
        if name in (".", "..") or d.lookup(name) is not None:
            raise _err(E.EEXIST)
        d.mkdir(name, perm & ~self.umask)

    def unlink(self, start: Dir, path: str, *, rmdir: bool) -> None:
        d, name = self.resolve_parent(start, path)
        if name == ".":
            raise _err(E.EINVAL if rmdir else E.EISDIR)
        if name == "..":
            raise _err(E.ENOTEMPTY if rmdir else E.EISDIR)
        node = d.lookup(name)
        if node is None:
            raise _err(E.ENOENT)
        if rmdir:
            if not isinstance(node, Dir):
                raise _err(E.ENOTDIR)
            if not node.is_empty():
                raise _err(E.ENOTEMPTY)
            if node is self.root or (isinstance(d, Dir) and node is d):
                raise _err(E.EBUSY)
        elif isinstance(node, Dir):
            raise _err(E.EISDIR)
        d.remove(name)

    def rename(
        self, sdir: Dir, spath: str, ddir: Dir, dpath: str, *, noreplace: bool = False
    ) -> None:
        sd, sname = self.resolve_parent(sdir, spath)
        dd, dname = self.resolve_parent(ddir, dpath)
        if sname in (".", "..") or dname in (".", ".."):
            raise _err(E.EBUSY)
        node = sd.lookup(sname)
        if node is None:
            raise _err(E.ENOENT)
        if sd.readonly or dd.readonly:
            raise _err(E.EROFS)
        if isinstance(sd, HostDir) or isinstance(dd, HostDir):
            if not (isinstance(sd, HostDir) and isinstance(dd, HostDir)):
                raise _err(E.EXDEV)
            dst = os.path.join(dd.hpath, dname)
            if noreplace and os.path.lexists(dst):
                raise _err(E.EEXIST)
            _host_call(lambda: os.rename(os.path.join(sd.hpath, sname), dst))
            sd._cache.pop(sname, None)
            dd._cache.pop(dname, None)
            return
        target = dd.lookup(dname)
        if target is not None and noreplace:
            raise _err(E.EEXIST)
        if target is node:
            return
        if isinstance(node, Dir):
            a: Dir = dd
            while True:
                if a is node:
                    raise _err(E.EINVAL)
                if a.parent is a:
                    break
                a = a.parent
        if target is not None:
            if noreplace:
                raise _err(E.EEXIST)
            if isinstance(node, Dir):
                if not isinstance(target, Dir):
                    raise _err(E.ENOTDIR)
                if not target.is_empty():
                    raise _err(E.ENOTEMPTY)
            elif isinstance(target, Dir):
                raise _err(E.EISDIR)
            dd.remove(dname)
        sd.remove(sname)
        node.nlink += 1
        dd.add(dname, node)

    def realpath(self, start: Dir, path: str, _depth: int = 0) -> str:
        """The canonical absolute path of ``path`` (symlinks resolved, as /proc/PID/exe
        shows a program)."""
        parent, name = self.resolve_parent(start, path)
        node = parent.lookup(name) if name not in ("", ".", "..") else None
        if isinstance(node, Symlink) and _depth < MAX_SYMLINKS:
            return self.realpath(parent, node.target, _depth + 1)
        base = parent.path()
        if name in ("", "."):
            return base
        if name == "..":
            return parent.parent.path()
        return base.rstrip("/") + "/" + name

    def readlink(self, start: Dir, path: str) -> str:
        node = self.resolve(start, path, follow=False)
        if not isinstance(node, Symlink):
            raise _err(E.EINVAL)
        return node.target

    def getcwd(self) -> str:
        return self.cwd.path()


# --- open file descriptions --------------------------------------------------------------------


class OpenFile:
    """An open file description: node, flags and offset, shared by dup'ed descriptors."""

    def __init__(self, node: Node, flags: int, path: str = "") -> None:
        self.node = node
        self.flags = flags
        self.offset = 0
        self.path = path
        self.dir_names: list[tuple[str, Node]] | None = None
        self.refs = 0  # descriptors naming it, in every process (fork shares descriptions)

    def close(self) -> None:
        """The last descriptor naming this description was closed."""

    def poll_in(self) -> bool:
        """A read would not block (data, end of file or an error)."""
        return True

    def poll_out(self) -> bool:
        return True

    def write_room(self) -> int:
        """How much a write can take now without blocking; a full pipe blocks here
        (WouldBlock, EAGAIN) or fails (EPIPE), so that a copy between files (sendfile) reads
        its source only once the destination can take it."""
        return MAX_ROOM

    @property
    def readable(self) -> bool:
        return self.flags & O_ACCMODE in (O_RDONLY, O_RDWR) and not self.flags & O_PATH

    @property
    def writable(self) -> bool:
        return self.flags & O_ACCMODE in (O_WRONLY, O_RDWR) and not self.flags & O_PATH

    def is_tty(self) -> bool:
        return isinstance(self.node, Device) and self.node.name == "tty"

    def seekable(self) -> bool:
        return isinstance(self.node, File | HostFile | Dir)

    def read(self, n: int) -> bytes:
        data = self.pread(n, self.offset)
        self.offset += len(data)
        return data

    def pread(self, n: int, off: int) -> bytes:
        node = self.node
        if isinstance(node, Dir):
            raise _err(E.EISDIR)
        if isinstance(node, File | HostFile):
            return node.read_at(off, n)
        raise _err(E.EINVAL)

    def write(self, data: bytes) -> int:
        if self.flags & O_APPEND and isinstance(self.node, File | HostFile):
            self.offset = self.node.size()
        n = self.pwrite(data, self.offset)
        self.offset += n
        return n

    def pwrite(self, data: bytes, off: int) -> int:
        node = self.node
        if isinstance(node, File | HostFile):
            return node.write_at(off, data)
        raise _err(E.EINVAL)


class DeviceFile(OpenFile):
    """/dev/null, /dev/zero, /dev/urandom."""

    def pread(self, n: int, off: int) -> bytes:
        assert isinstance(self.node, Device)
        name = self.node.name
        if name == "null":
            return b""
        if name == "zero":
            return bytes(n)
        return os.urandom(n)

    def read(self, n: int) -> bytes:
        return self.pread(n, 0)

    def pwrite(self, data: bytes, off: int) -> int:
        return len(data)

    def write(self, data: bytes) -> int:
        return len(data)

    def seekable(self) -> bool:
        return True


class StreamFile(OpenFile):
    """A host stream: fd 0 reads from ``reader.read(n)``, fds 1/2 write to ``writer.write``.
    ``host_stat()``, when set, gives the host file behind it (stdin redirected from a regular
    file), which fstat then describes, or None (a pipe or terminal)."""

    host_stat: Callable[[], os.stat_result | None] | None = None

    def __init__(
        self,
        node: Node,
        flags: int,
        *,
        reader: Callable[[int], bytes] | None = None,
        writer: Callable[[bytes], object] | None = None,
        tty: bool = False,
    ) -> None:
        super().__init__(node, flags)
        self.reader = reader
        self.writer = writer
        self.tty = tty

    def is_tty(self) -> bool:
        return self.tty

    def seekable(self) -> bool:
        return False

    def read(self, n: int) -> bytes:
        if self.reader is None:
            raise _err(E.EBADF)
        return bytes(self.reader(n))[:n] if n > 0 else b""

    def pread(self, n: int, off: int) -> bytes:
        raise _err(E.ESPIPE)

    def write(self, data: bytes) -> int:
        if self.writer is None:
            raise _err(E.EBADF)
        self.writer(bytes(data))
        return len(data)

    def pwrite(self, data: bytes, off: int) -> int:
        raise _err(E.ESPIPE)


class FifoNode(Node):
    kind = S_IFIFO


MAX_ROOM = 1 << 62


class Pipe:
    CAPACITY = 65536  # Linux's default pipe size
    ATOMIC = 4096  # PIPE_BUF: writes up to this size are never split

    def __init__(self) -> None:
        self.buf = bytearray()
        self.readers = 0
        self.writers = 0
        self.node = FifoNode(0o600)


class PipeEnd(OpenFile):
    """One end of a pipe.  An empty pipe with writers, or a full one with readers, blocks the
    calling thread (`WouldBlock`: the call runs again when the other side moves) unless the
    description is O_NONBLOCK (EAGAIN); no readers left: EPIPE (the caller adds SIGPIPE)."""

    CAPACITY = Pipe.CAPACITY

    def __init__(self, pipe: Pipe, flags: int) -> None:
        super().__init__(pipe.node, flags)
        self.pipe = pipe
        self.closed = False
        if self.writable:
            pipe.writers += 1
        else:
            pipe.readers += 1

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.writable:
            self.pipe.writers -= 1
        else:
            self.pipe.readers -= 1

    def poll_in(self) -> bool:
        p = self.pipe
        return bool(p.buf) or p.writers == 0

    def write_room(self) -> int:
        p = self.pipe
        if p.readers == 0:
            raise _err(E.EPIPE)
        room = Pipe.CAPACITY - len(p.buf)
        if room <= 0:
            if self.flags & O_NONBLOCK:
                raise _err(E.EAGAIN)
            raise WouldBlock(self.poll_out, what="pipe write")
        return room

    def poll_out(self) -> bool:
        p = self.pipe
        return p.readers == 0 or len(p.buf) + Pipe.ATOMIC <= Pipe.CAPACITY

    def read(self, n: int) -> bytes:
        p = self.pipe
        if not p.buf:
            if p.writers > 0:
                if self.flags & O_NONBLOCK:
                    raise _err(E.EAGAIN)
                raise WouldBlock(self.poll_in, what="pipe read")
            return b""
        data = bytes(p.buf[:n])
        del p.buf[:n]
        return data

    def pread(self, n: int, off: int) -> bytes:
        raise _err(E.ESPIPE)

    def write(self, data: bytes) -> int:
        p = self.pipe
        if p.readers == 0:
            raise _err(E.EPIPE)
        room = Pipe.CAPACITY - len(p.buf)
        if room <= 0 or (len(data) <= Pipe.ATOMIC and room < len(data)):
            if self.flags & O_NONBLOCK:
                raise _err(E.EAGAIN)
            pipe = self.pipe

            def ready() -> bool:
                left = Pipe.CAPACITY - len(pipe.buf)
                return pipe.readers == 0 or left >= min(len(data), Pipe.ATOMIC)

            raise WouldBlock(ready, what="pipe write")
        p.buf += data[:room]
        return min(room, len(data))

    def pwrite(self, data: bytes, off: int) -> int:
        raise _err(E.ESPIPE)


def getdents_records(of: OpenFile, count: int) -> bytes:
    """Next getdents64 records of a directory description that fit in ``count`` bytes."""
    node = of.node
    if not isinstance(node, Dir):
        raise _err(E.ENOTDIR)
    if of.dir_names is None or of.offset == 0:
        entries: list[tuple[str, Node]] = [(".", node), ("..", node.parent)]
        for name in node.names():
            child = node.lookup(name)
            if child is not None:
                entries.append((name, child))
        of.dir_names = entries
    out = bytearray()
    while of.offset < len(of.dir_names):
        name, child = of.dir_names[of.offset]
        raw = name.encode("utf-8", "surrogateescape") + b"\0"
        reclen = (19 + len(raw) + 7) & ~7
        if len(out) + reclen > count:
            if not out:
                raise _err(E.EINVAL)
            break
        rec = struct.pack("<QqHB", child.ino, of.offset + 1, reclen, dtype_of(child)) + raw
        out += rec + bytes(reclen - len(rec))
        of.offset += 1
    return bytes(out)
