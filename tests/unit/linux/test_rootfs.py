"""The lazily read root filesystem (py_backend/linux/rootfs.py): its index, first-read fetches,
writes on top (copy-up), uploads, and a whole program run from such a tree (busybox, native host).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from doubles import NoInput, Sink

from py_backend.linux import errors as E
from py_backend.linux.errors import SyscallError
from py_backend.linux.rootfs import (
    INDEX_NAME,
    LazyDir,
    LazyFile,
    Rootfs,
    RootfsError,
    build_index,
    local_fetch,
)
from py_backend.linux.vfs import O_RDWR, Dir, OpenFile, Symlink, Vfs, getdents_records

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

REPO = Path(__file__).resolve().parents[3]
BUSYBOX = REPO / "guests" / "bin" / "busybox"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    t = tmp_path / "img"
    (t / "usr" / "bin").mkdir(parents=True)
    (t / "etc").mkdir()
    (t / "usr" / "bin" / "tool").write_bytes(b"\x7fELF tool bytes")
    (t / "usr" / "bin" / "tool").chmod(0o755)
    (t / "etc" / "motd").write_text("hello\n")
    (t / "etc" / "passwd").write_text("user:x:1000:1000::/home/user:/bin/sh\n")
    os.symlink("usr/bin", t / "bin")
    os.symlink("/usr/bin/tool", t / "usr" / "bin" / "alias")
    (t / ".tbwasm-complete").write_text("stamp\n")  # the image's own files stay hidden
    return t


class Counting:
    def __init__(self, tree: Path) -> None:
        self.inner = local_fetch(str(tree))
        self.paths: list[str] = []

    def __call__(self, path: str) -> bytes:
        self.paths.append(path)
        return self.inner(path)


def test_index_lists_everything_but_reads_nothing(tree: Path) -> None:
    index = build_index(str(tree))
    top = index["root"][2]
    assert sorted(top) == ["bin", "etc", "usr"]  # not the image's own .tbwasm-* files
    assert top["usr"][2]["bin"][2]["tool"][2] == len(b"\x7fELF tool bytes")
    assert top["bin"][2] == "usr/bin" and (index["entries"], index["bytes"]) == (8, 58)
    fetch = Counting(tree)
    fs = Rootfs(json.dumps(index), fetch)
    assert isinstance(fs.root, LazyDir) and fs.root._pending is not None  # nothing made yet
    assert fs.root.nlink == 4  # ".", its own entry and 2 subdirectories
    vfs = Vfs("/usr/bin/tool", root=fs.root)
    of = OpenFile(vfs.lookup_dir("/usr/bin"), 0)
    names = getdents_records(of, 4096)
    assert b"tool\0" in names and b"alias\0" in names
    st = vfs.stat(vfs.resolve(vfs.root, "/bin/tool"))  # through the /bin -> usr/bin link
    assert st["size"] == len(b"\x7fELF tool bytes") and st["mode"] & 0o777 == 0o755
    assert st["mtime"] == int((tree / "usr/bin/tool").stat().st_mtime) * 10**9
    assert fetch.paths == []  # listing and stat fetch nothing


def test_first_read_fetches_once_and_writes_stay_in_memory(tree: Path) -> None:
    fetch = Counting(tree)
    fs = Rootfs(build_index(str(tree)), fetch)
    vfs = Vfs("/x", root=fs.root)
    node = vfs.resolve(vfs.root, "/bin/alias")
    assert isinstance(node, LazyFile) and not node.fetched
    assert node.read_at(0, 4) == b"\x7fELF"
    assert node.read_at(5, 4) == b"tool"
    assert fetch.paths == ["/usr/bin/tool"]
    motd = OpenFile(vfs.resolve(vfs.root, "/etc/motd"), O_RDWR)
    motd.pwrite(b"J", 0)  # copy-up: the host's file is not touched
    assert motd.pread(100, 0) == b"Jello\n"
    assert (tree / "etc" / "motd").read_text() == "hello\n"
    vfs.unlink(vfs.root, "/etc/motd", rmdir=False)
    vfs.mkdir(vfs.root, "/etc/new", 0o755)
    assert sorted(vfs.lookup_dir("/etc").names()) == ["group", "hostname", "hosts", "new", "passwd"]
    # the image's /etc/passwd is kept; what the image lacks, the Vfs adds
    assert vfs.resolve(vfs.root, "/etc/passwd").read_at(0, 4) == b"user"  # type: ignore[attr-defined]
    assert isinstance(vfs.resolve(vfs.root, "/dev"), Dir)
    assert fs.stats()["rootfs_fetches"] == 3


def test_the_same_tree_serves_later_runs(tree: Path) -> None:
    fs = Rootfs(build_index(str(tree)), local_fetch(str(tree)))
    Vfs("/a", root=fs.root).mkdir(fs.root, "/tmp2", 0o755)
    fs.write_file("/home/user/up.txt", b"uploaded")  # directories are made
    vfs = Vfs("/b", root=fs.root)
    assert isinstance(vfs.resolve(vfs.root, "/tmp2"), Dir)
    assert fs.read_file("/home/user/up.txt") == b"uploaded"
    assert isinstance(vfs.resolve(vfs.root, "/proc/self/exe", follow=False), Symlink)
    assert vfs.readlink(vfs.root, "/proc/self/exe") == "/b"
    fs.write_file("/bin/tool", b"replaced")  # through the symlinked directory, mode kept
    node = fs.lookup("/usr/bin/tool")
    assert fs.read_file("/usr/bin/tool") == b"replaced" and node.perm == 0o755


def test_errors(tree: Path) -> None:
    fs = Rootfs(build_index(str(tree)), lambda path: b"short")
    with pytest.raises(SyscallError) as e:  # not the size the index says: EIO, not wrong bytes
        fs.read_file("/etc/motd")
    assert e.value.errno == E.EIO
    for path, errno in [("/nope", E.ENOENT), ("/etc", E.EISDIR), ("/etc/motd/x", E.ENOTDIR)]:
        with pytest.raises(SyscallError) as e:
            fs.read_file(path)
        assert e.value.errno == errno
    for path in ["relative", "/dir/", "/a/..", "/a/../b", "/etc/motd/x"]:
        with pytest.raises(SyscallError):
            fs.write_file(path, b"x")
    empty = Rootfs()  # no image: a writable root, reads of nothing fail cleanly
    empty.write_file("/a/b", b"x")
    assert empty.read_file("/a/b") == b"x"
    for bad, why in [
        ("{", "not JSON"),
        ('{"version": 1}', "expected version 2"),
        ('{"version": 2, "root": [1, 2]}', "bad entry"),
        ('{"version": 2, "root": [33188, 0, {}]}', "not a directory"),
    ]:
        with pytest.raises(RootfsError, match=why):
            Rootfs(bad)
    # malformed entries below the root are found when their directory is first used: absent
    d, f = 0o40755, 0o100644
    fs = Rootfs(
        json.dumps(
            {
                "version": 2,
                "root": [
                    d,
                    0,
                    {
                        "..": [d, 0, {}],
                        "a/b": [f, 0, 1],
                        "nosize": [f, 0, "x"],
                        "fifo": [0o10644, 0, 0],
                        "short": [f, 0],
                        "ok": [f, 0, 2],
                    },
                ],
            }
        ),
        lambda path: b"ok",
    )
    assert fs.root.names() == ["ok"] and fs.read_file("/ok") == b"ok"


def test_index_command_and_from_dir(tree: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "py_backend.linux.rootfs", "index", str(tree)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert r.returncode == 0 and "indexed 8 entries" in r.stdout
    assert json.loads((tree / INDEX_NAME).read_text())["version"] == 2
    assert Rootfs.from_dir(str(tree)).read_file("/bin/alias") == b"\x7fELF tool bytes"
    with pytest.raises(RootfsError, match="not a directory"):
        Rootfs.from_dir(str(tree / "nope"))


def test_busybox_runs_from_a_rootfs_tree(tree: Path) -> None:
    """`tbwasm run --rootfs DIR /bin/sh`: the program and its applet links come from the tree;
    what the guest writes is not written to the tree."""
    shutil.copy(BUSYBOX, tree / "usr" / "bin" / "busybox")
    os.symlink("/usr/bin/busybox", tree / "usr" / "bin" / "sh")
    os.symlink("busybox", tree / "usr" / "bin" / "ls")
    script = "echo changed >> /etc/motd; while read l; do echo $l; done < /etc/motd; ls /usr/bin"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "py_backend.cli",
            "run",
            "--rootfs",
            str(tree),
            "/bin/sh",
            "-c",
            script,
        ],
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert (r.stdout, r.returncode) == (b"hello\nchanged\nalias\nbusybox\nls\nsh\ntool\n", 0)
    assert (tree / "etc" / "motd").read_text() == "hello\n"
    r = subprocess.run(
        [sys.executable, "-m", "py_backend.cli", "run", "--rootfs", str(tree), "/bin/nope"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr == "tbwasm: cannot read /bin/nope in the rootfs: No such file or directory\n"


def test_machines_sharing_a_rootfs_each_get_their_own_program(tree: Path) -> None:
    """A program given as bytes is /bin/program (its /proc/self/exe, which busybox executes for
    its applets); in a tree kept over runs, each run's program replaces the last one's, also
    through the image's /bin -> usr/bin link."""
    from py_backend.host.native import NativeHost
    from py_backend.machine import Machine

    fs = Rootfs(build_index(str(tree)), local_fetch(str(tree)))
    hello = (REPO / "guests" / "bin" / "hello.elf").read_bytes()
    for program, argv, expected in [
        (hello, ["hello.elf"], b"Hello from RISC-V!\n"),
        (BUSYBOX.read_bytes(), ["busybox", "sh", "-c", "echo a b c | wc -w"], b"3\n"),
        (hello, ["hello.elf"], b"Hello from RISC-V!\n"),
    ]:
        host, out = NativeHost(), Sink()
        m = Machine(host.raw, program, argv, stdin=NoInput(), stdout=out, stderr=out, rootfs=fs)
        assert (host.run(m, lambda: True).status, out.data) == (0, expected)
        assert fs.read_file("/usr/bin/program") == program


def test_gzip_copies_of_files_that_shrink(tree: Path) -> None:
    import gzip

    from py_backend.linux.rootfs import write_gzip_copies

    (tree / "usr" / "big.txt").write_bytes(b"compressible " * 1000)
    (tree / "usr" / "random.bin").write_bytes(os.urandom(4000))  # does not shrink: no copy
    assert write_gzip_copies(str(tree)) == (1, (tree / ".tbwasm-gz/usr/big.txt.gz").stat().st_size)
    packed = tree / ".tbwasm-gz" / "usr" / "big.txt.gz"
    assert gzip.decompress(packed.read_bytes()) == b"compressible " * 1000
    assert packed.stat().st_mtime_ns == (tree / "usr" / "big.txt").stat().st_mtime_ns
    assert write_gzip_copies(str(tree))[0] == 1  # kept, not redone
    index = build_index(str(tree))
    assert ".tbwasm-gz" not in index["root"][2]  # the image's own files stay out of the guest's
