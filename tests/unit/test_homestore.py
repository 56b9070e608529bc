"""linux/homestore.py: change tracking of the kept roots, records applied at start-up, reset, and
.tar.gz export/import (with hostile archives).  Plain Python, over real trees: a root filesystem
image made from a temporary directory (Rootfs.from_dir) and the in-memory filesystem's own
operations (the ones the guest's system calls use)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from py_backend.linux import vfs
from py_backend.linux.homestore import (
    HomeStore,
    HomeStoreError,
    Record,
    dict_of,
    export_tar,
    import_tar,
    read_tar,
    records_of,
)
from py_backend.linux.rootfs import Rootfs


@pytest.fixture
def image(tmp_path: Path) -> Path:
    tree = tmp_path / "image"
    (tree / "home/user").mkdir(parents=True)
    (tree / "home/user/README").write_text("from the image\n")
    (tree / "root").mkdir()
    (tree / "etc").mkdir()
    (tree / "etc/motd").write_text("hi\n")
    return tree


def fresh(image: Path) -> tuple[Rootfs, vfs.Vfs, HomeStore]:
    rootfs = Rootfs.from_dir(str(image))
    fs = vfs.Vfs(root=rootfs.root)
    return rootfs, fs, HomeStore(rootfs.root, image_node=rootfs.image_node)


def write(fs: vfs.Vfs, path: str, data: bytes) -> None:
    parent, name = fs.resolve_parent(fs.root, path)
    node = parent.lookup(name) or parent.create_file(name, 0o644)
    assert isinstance(node, vfs.File)
    node.truncate(0)
    node.write_at(0, data)


def read(root: vfs.Dir, path: str) -> bytes:
    node = vfs.Vfs(root=root).resolve(root, path)
    assert isinstance(node, vfs.File)
    return bytes(node.data)


def roundtrip(store: HomeStore, db: dict[str, dict]) -> None:
    """What a host does: the changes into its store (plain dicts, as IndexedDB keeps them)."""
    ch = store.changes()
    for r in ch.puts:
        db[r.path] = dict_of(r)
    for p in ch.deletes:
        db.pop(p, None)
    store.commit(ch)


def test_nothing_changed_nothing_to_store(image: Path) -> None:
    _, _, store = fresh(image)
    assert not store.changes()


def test_changes_only_under_the_kept_roots(image: Path) -> None:
    _, fs, store = fresh(image)
    g = vfs.generation()
    write(fs, "/home/user/notes.txt", b"one")
    write(fs, "/tmp/scratch", b"gone on reload")
    assert vfs.generation() > g and store.dirty
    ch = store.changes()
    paths = {r.path: r for r in ch.puts}
    assert paths["/home/user/notes.txt"].data == b"one"
    assert "/home/user" in paths  # its entries changed (mtime)
    assert not any(p.startswith("/tmp") for p in paths)
    store.commit(ch)
    assert not store.dirty and not store.changes()


def test_reload_finds_files_dirs_symlinks_modes_and_deletions(image: Path) -> None:
    _, fs, store = fresh(image)
    db: dict[str, dict] = {}
    fs.mkdir(fs.root, "/home/user/proj", 0o755)
    write(fs, "/home/user/proj/a.c", b"int main;\n")
    fs.lookup_dir("/home/user/proj").symlink("link", "a.c")
    write(fs, "/root/.profile", b"export X=1\n")
    fs.unlink(fs.root, "/home/user/README", rmdir=False)  # an image file: a whiteout
    node = fs.resolve(fs.root, "/home/user/proj/a.c")
    node.perm = 0o600
    node.changed()
    roundtrip(store, db)
    assert db["/home/user/README"]["kind"] == "whiteout"
    # a temporary file made and removed between flushes never reaches the store; one stored
    # and then removed is deleted from it
    write(fs, "/home/user/tmp1", b"x")
    roundtrip(store, db)
    fs.unlink(fs.root, "/home/user/tmp1", rmdir=False)
    roundtrip(store, db)
    assert "/home/user/tmp1" not in db

    _, fs2, store2 = fresh(image)  # the next page load: the image again, then the store
    store2.apply(records_of(db.values()))
    assert read(fs2.root, "/home/user/proj/a.c") == b"int main;\n"
    assert fs2.resolve(fs2.root, "/home/user/proj/a.c").perm == 0o600
    assert fs2.readlink(fs2.root, "/home/user/proj/link") == "a.c"
    assert read(fs2.root, "/root/.profile") == b"export X=1\n"
    with pytest.raises(vfs.SyscallError):
        fs2.resolve(fs2.root, "/home/user/README")
    assert not store2.changes()  # applying is not a change to store again
    # mtimes survive (directories too, though adding their entries touched them)
    a1 = fs.resolve(fs.root, "/home/user/proj")
    a2 = fs2.resolve(fs2.root, "/home/user/proj")
    assert a1.mtime == a2.mtime


def test_rename_and_rmdir(image: Path) -> None:
    _, fs, store = fresh(image)
    db: dict[str, dict] = {}
    fs.mkdir(fs.root, "/home/user/d", 0o755)
    write(fs, "/home/user/d/f", b"1")
    roundtrip(store, db)
    fs.rename(fs.root, "/home/user/d", fs.root, "/home/user/e")
    roundtrip(store, db)
    assert "/home/user/d/f" not in db and db["/home/user/e/f"]["data"] == b"1"
    fs.unlink(fs.root, "/home/user/e/f", rmdir=False)
    fs.unlink(fs.root, "/home/user/e", rmdir=True)
    roundtrip(store, db)
    assert not any(p.startswith("/home/user/e") for p in db)


def test_a_failed_store_transaction_comes_again(image: Path) -> None:
    _, fs, store = fresh(image)
    write(fs, "/home/user/big", b"x" * 1000)
    first = store.changes()  # (the host's transaction fails: no commit)
    write(fs, "/home/user/small", b"y")
    again = store.changes()
    assert {r.path for r in first.puts} < {r.path for r in again.puts}


def test_reset_gives_the_image_back(image: Path) -> None:
    _, fs, store = fresh(image)
    write(fs, "/home/user/README", b"changed")
    write(fs, "/home/user/new", b"new")
    store.reset()
    assert read(fs.root, "/home/user/README") == b"from the image\n"
    with pytest.raises(vfs.SyscallError):
        fs.resolve(fs.root, "/home/user/new")
    assert not store.changes()


def test_bad_records_change_nothing(image: Path) -> None:
    _, fs, store = fresh(image)
    for bad in [
        Record("/etc/passwd", "file", 0o644, 0, data=b"x"),  # outside the kept roots
        Record("/home/../etc/x", "file", 0o644, 0, data=b"x"),
        Record("/home/user/x", "device", 0o644, 0),
        Record("/home/user/x", "file", 0o644, 0),  # no data
    ]:
        with pytest.raises(HomeStoreError):
            store.apply([Record("/home/user/ok", "file", 0o644, 0, data=b"ok"), bad])
        with pytest.raises(vfs.SyscallError):
            fs.resolve(fs.root, "/home/user/ok")


# --- .tar.gz -----------------------------------------------------------------------------------


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, **kw: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for k, v in kw.items():
        setattr(info, k, v)
    return info


def test_export_import_round_trip(image: Path, tmp_path: Path) -> None:
    _, fs, _ = fresh(image)
    fs.mkdir(fs.root, "/home/user/sub", 0o700)
    write(fs, "/home/user/sub/data.bin", bytes(range(256)) * 10)
    fs.lookup_dir("/home/user").symlink("ln", "sub/data.bin")
    blob = export_tar(fs.root, "/home/user")
    # host tar reads it (a real archive, not just our own format)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as t:
        names = sorted(t.getnames())
    assert names == [".", "./README", "./ln", "./sub", "./sub/data.bin"]
    _, fs2, _ = fresh(image)
    write(fs2, "/home/user/README", b"old")
    assert import_tar(fs2.root, "/home/user", blob) == 4
    assert read(fs2.root, "/home/user/sub/data.bin") == bytes(range(256)) * 10
    assert read(fs2.root, "/home/user/README") == b"from the image\n"
    assert fs2.readlink(fs2.root, "/home/user/ln") == "sub/data.bin"
    assert fs2.resolve(fs2.root, "/home/user/sub").perm == 0o700


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ([(member("/etc/passwd"), b"x")], "unsafe member name"),
        ([(member("a/../../etc/passwd"), b"x")], "unsafe member name"),
        ([(member("dev", tarfile.CHRTYPE, devmajor=1, devminor=3), None)], "special file"),
        ([(member("fifo", tarfile.FIFOTYPE), None)], "special file"),
        ([(member("h", tarfile.LNKTYPE, linkname="/etc/shadow"), None)], "hard link"),
    ],
)
def test_import_refuses_unsafe_archives_and_changes_nothing(
    image: Path, members: list, why: str
) -> None:
    _, fs, _ = fresh(image)
    blob = tar_gz([(member("first.txt"), b"would be first"), *members])
    with pytest.raises(HomeStoreError, match=why):
        import_tar(fs.root, "/home/user", blob)
    with pytest.raises(vfs.SyscallError):
        fs.resolve(fs.root, "/home/user/first.txt")


def test_import_bad_and_truncated_archives(image: Path) -> None:
    _, fs, _ = fresh(image)
    good = tar_gz([(member("a"), b"x" * 100_000), (member("b"), os.urandom(50_000))])
    for data, why in [
        (b"", "empty"),
        (b"not gzip at all", "bad gzip"),
        (good[: len(good) // 2], "truncated"),
        (gzip.compress(b"plain text, not a tar" * 10), "not a valid tar"),
    ]:
        with pytest.raises(HomeStoreError, match=why) as e:
            import_tar(fs.root, "/home/user", data)
        assert "\n" not in str(e.value)
    with pytest.raises(vfs.SyscallError):
        fs.resolve(fs.root, "/home/user/a")


def test_import_limits(image: Path) -> None:
    _, fs, _ = fresh(image)
    bomb = tar_gz([(member("zeros"), bytes(4 << 20))])  # 4 MiB of zeros: a few KiB of gzip
    with pytest.raises(HomeStoreError, match="more than 1 MiB"):
        import_tar(fs.root, "/home/user", bomb, limit=1 << 20)
    assert len(read_tar(bomb)) == 1


def test_import_does_not_follow_symlinks_or_replace_directories(image: Path) -> None:
    _, fs, _ = fresh(image)
    fs.lookup_dir("/home/user").symlink("out", "/etc")
    # "out/motd" must not reach /etc/motd through the tree's symlink
    import_tar(fs.root, "/home/user", tar_gz([(member("out/motd"), b"owned")]))
    assert read(fs.root, "/etc/motd") == b"hi\n"
    assert read(fs.root, "/home/user/out/motd") == b"owned"
    fs.mkdir(fs.root, "/home/user/dir", 0o755)
    with pytest.raises(HomeStoreError, match="is a directory"):
        import_tar(fs.root, "/home/user", tar_gz([(member("dir"), b"file over a dir")]))
