"""serve.py: isolation headers on every response, conditional requests (ETag -> 304), no path
escapes."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "serve.py"), "--port", "0", "--no-setup", "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    assert line.startswith("Serving http://"), line
    yield line.split()[1]
    proc.kill()
    proc.wait()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_isolation_headers_and_revalidation(base: str) -> None:
    status, h, body = get(base + "guests/hello.elf")
    assert status == 200 and body == (REPO / "guests" / "bin" / "hello.elf").read_bytes()
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert h["Cache-Control"] == "no-cache"  # always revalidated: a rebuilt file is never stale
    etag = h["ETag"]
    status, h2, body = get(base + "guests/hello.elf", {"If-None-Match": etag})
    assert status == 304 and body == b"" and h2["ETag"] == etag
    assert h2["Cross-Origin-Embedder-Policy"] == "require-corp"
    status, _, body = get(base + "guests/hello.elf", {"If-None-Match": '"other"'})
    assert status == 200 and body


def test_generated_examples_revalidate_and_paths_stay_inside(base: str) -> None:
    status, h, body = get(base + "examples.json")
    assert status == 200 and b"hello.elf" in body
    assert get(base + "examples.json", {"If-None-Match": h["ETag"]})[0] == 304
    assert get(base + "guests/../serve.py")[0] == 404
    assert get(base + "web/%2e%2e/serve.py")[0] == 404


def test_rootfs_files_but_never_through_symlinks(base: str) -> None:
    """static/rootfs: the index and regular files are served; nothing through a symlink (the
    image's links name guest paths: followed on the server they could leave the image)."""
    rootfs = REPO / "static" / "rootfs"
    if not (rootfs / ".tbwasm-index.json").is_file():
        pytest.fail("no root filesystem image (scripts/fetch-rootfs.sh)")
    status, h, body = get(base + "rootfs/.tbwasm-index.json")
    assert status == 200 and h["Content-Type"] == "application/json" and b'"entries"' in body
    status, _, body = get(base + "rootfs/usr/bin/busybox")
    assert status == 200 and body == (rootfs / "usr" / "bin" / "busybox").read_bytes()
    assert (rootfs / "bin").is_symlink() and (rootfs / "usr" / "bin" / "sh").is_symlink()
    assert get(base + "rootfs/bin/busybox")[0] == 404
    assert get(base + "rootfs/usr/bin/sh")[0] == 404


def test_rootfs_gzip_copies_to_clients_that_accept_gzip(base: str) -> None:
    import gzip

    rootfs = REPO / "static" / "rootfs"
    packed = rootfs / ".tbwasm-gz" / "usr" / "bin" / "busybox.gz"
    if not packed.is_file():
        pytest.fail("no gzip copies (scripts/fetch-rootfs.sh)")
    plain = (rootfs / "usr" / "bin" / "busybox").read_bytes()
    status, h, body = get(base + "rootfs/usr/bin/busybox", {"Accept-Encoding": "gzip, br"})
    assert status == 200 and h["Content-Encoding"] == "gzip" and h["Vary"] == "Accept-Encoding"
    assert len(body) < len(plain) and gzip.decompress(body) == plain
    assert get(base + "rootfs/usr/bin/busybox", {"If-None-Match": h["ETag"]})[0] == 200
    status, h2, body = get(base + "rootfs/usr/bin/busybox")  # no gzip: the file itself
    assert status == 200 and "Content-Encoding" not in h2 and body == plain
    assert h2["ETag"] != h["ETag"]
