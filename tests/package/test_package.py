"""The npm package: what `npm pack` puts into the tarball, that it installs into an empty project,
and the static site `npx tbwasm build-site DIR` writes from the installed package (fixtures in
conftest.py: one pack, one install and one site for the session)."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import select
import signal
import subprocess
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PYODIDE_FILES = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]


def _names(tgz: Path) -> set[str]:
    with tarfile.open(tgz) as t:
        return {m.name.removeprefix("package/") for m in t.getmembers() if m.isfile()}


def _member(tgz: Path, name: str) -> bytes:
    with tarfile.open(tgz) as t:
        f = t.extractfile("package/" + name)
        assert f is not None, name
        return f.read()


def _index_files(index: dict) -> list[str]:
    out: list[str] = []

    def walk(children: dict, prefix: str) -> None:
        for name, (_mode, _mtime, extra) in children.items():
            if isinstance(extra, int):
                out.append(prefix + name)
            elif isinstance(extra, dict):
                walk(extra, prefix + name + "/")

    walk(index["root"][2], "")
    return out


def test_tarball_holds_what_a_page_needs(packed_tarball: Path) -> None:
    names = _names(packed_tarball)
    assets = "dist/package-assets/"
    required = [
        "package.json",
        "web/runtime/worker.mjs",
        "web/page/client.mjs",
        "web/runtime/runtime.mjs",
        "web/page/embed.mjs",
        "web/page/app.mjs",
        "web/page/app.css",
        "web/abi.json",
        "web/page/examples.json",
        "web/index.mjs",
        "web/index.d.ts",
        "web/node/bin.mjs",
        "web/node/cli.mjs",
        "web/build/build-site.mjs",
        "web/build/snapshot.mjs",
        "static/index.html",
        "static/tbwasm-sw.js",
        "docs/index.html",
        "docs/embedding.md",
        assets + "wheels/manifest.json",
        assets + "rootfs/.tbwasm-index.json",
        *(assets + "guests/" + g for g in ("hello.elf", "args.elf", "echo.elf", "fpops.elf")),
        assets + "guests/bench.elf",
    ]
    missing = [n for n in required if n not in names]
    assert not missing, missing
    manifest = json.loads(_member(packed_tarball, assets + "wheels/manifest.json"))
    for key in ("tbwasm", "pyelftools", "micropip"):
        assert assets + "wheels/" + manifest[key] in names, key
    # dependencies stay dependencies; the image's gzip copies and busybox are not shipped
    assert not [n for n in names if n.endswith("pyodide.asm.wasm") or "/node_modules/" in n]
    assert not [n for n in names if "/.tbwasm-gz/" in n or n.endswith("/busybox.elf")]
    assert assets + "guests/busybox" not in names
    assert not [n for n in names if n.startswith(("py_backend/", "tests/", "static/wheels/"))]


def test_wheel_in_the_tarball_holds_tier0(packed_tarball: Path) -> None:
    assets = "dist/package-assets/wheels/"
    manifest = json.loads(_member(packed_tarball, assets + "manifest.json"))
    wheel = zipfile.ZipFile(io.BytesIO(_member(packed_tarball, assets + manifest["tbwasm"])))
    assert "py_backend/translate/tier0.wasm" in wheel.namelist()


def test_tarball_holds_every_file_of_the_rootfs_index(packed_tarball: Path) -> None:
    prefix = "dist/package-assets/rootfs/"
    index = json.loads(_member(packed_tarball, prefix + ".tbwasm-index.json"))
    names = _names(packed_tarball)
    files = _index_files(index)
    assert len(files) > 100
    missing = [f for f in files if prefix + f not in names]
    assert not missing, missing[:10]


def test_package_json_exports_and_bins(consumer_project: Path) -> None:
    pkg = consumer_project / "node_modules" / "tbwasm"
    meta = json.loads((pkg / "package.json").read_text())
    assert meta["name"] == "tbwasm" and not meta.get("private")
    assert set(meta["dependencies"]) >= {"pyodide", "@xterm/xterm", "@xterm/addon-fit"}
    exports = meta["exports"]
    assert exports["."]["types"] == "./web/index.d.ts"
    for sub in (".", "./embed", "./playwright"):
        target = exports[sub]["default"] if isinstance(exports[sub], dict) else exports[sub]
        assert target.startswith("./web/"), sub
    bins = consumer_project / "node_modules" / ".bin"
    assert (bins / "tbwasm").exists() and (bins / "tbwasm-node").exists()
    # Pyodide and xterm are installed as the package's dependencies, not copied into it
    assert (consumer_project / "node_modules" / "pyodide" / "pyodide.asm.wasm").is_file()


def test_tbwasm_version_and_usage(consumer_project: Path, npx) -> None:
    r = npx(consumer_project, "tbwasm", "--version")
    assert r.returncode == 0 and r.stdout.strip() == "0.1.0", r
    r = npx(consumer_project, "tbwasm", "frobnicate")
    assert r.returncode == 2 and "unknown command frobnicate" in r.stderr, r


def test_tbwasm_run_from_the_installed_package(
    consumer_project: Path, built_site: Path, npx
) -> None:
    r = npx(consumer_project, "tbwasm", "run", str(built_site / "guests" / "args.elf"), "a", "b c")
    assert r.returncode == 0, r.stderr
    assert "a" in r.stdout and "b c" in r.stdout, r.stdout


def test_tbwasm_relay_from_the_installed_package(consumer_project: Path) -> None:
    """`tbwasm relay` (the guests' Wisp relay for a site's pages) starts from the installed
    package, says where it listens, and answers a plain HTTP request there with an upgrade
    refusal, not a page; a bad option is one line."""
    proc = subprocess.Popen(
        ["npx", "--no-install", "tbwasm", "relay", "--port", "0", "--net-allow", "127.0.0.1:9"],
        cwd=consumer_project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # (npx runs node as a child: the group is stopped at the end)
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the relay said nothing within 60 s"
        line = proc.stdout.readline()
        m = re.fullmatch(r"Relay ws://127\.0\.0\.1:(\d+)/wisp/\n", line)
        assert m, line
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/wisp/", timeout=30)
            raise AssertionError("a plain GET was answered as a page")
        except urllib.error.HTTPError as e:
            assert e.code in (400, 403, 404, 426), e.code
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    r = subprocess.run(
        ["npx", "--no-install", "tbwasm", "relay", "--bogus"],
        cwd=consumer_project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stderr.startswith("tbwasm-relay: unknown option --bogus"), r


def test_site_has_the_url_space_of_serve_py(built_site: Path) -> None:
    site = built_site
    for rel in (
        "index.html",
        "tbwasm-sw.js",
        "examples.json",
        "web/page/app.mjs",
        "web/runtime/worker.mjs",
        "web/page/client.mjs",
        "web/runtime/runtime.mjs",
        "web/abi.json",
        "web/page/app.css",
        "vendor/xterm/lib/xterm.mjs",
        "vendor/xterm/css/xterm.css",
        "vendor/xterm-addon-fit/lib/addon-fit.mjs",
        "docs/index.html",
        "docs/embedding.md",
        "guests/hello.elf",
        "rootfs/.tbwasm-index.json",
        ".nojekyll",  # GitHub Pages: serve the dot files
        ".tbwasm-site.json",
        *("pyodide/" + f for f in PYODIDE_FILES),
    ):
        assert (site / rel).is_file(), rel
    # Node-only modules stay out of the site
    assert (
        not (site / "web" / "node" / "cli.mjs").exists()
        and not (site / "web" / "build" / "build-site.mjs").exists()
    )
    assert not (site / "guests" / "busybox").exists()


def test_site_urls_are_relative(built_site: Path) -> None:
    for page in ("index.html", "docs/index.html"):
        html = (built_site / page).read_text()
        # attributes of the page's own tags (the escaped samples in <pre> are text)
        absolute = re.findall(r'<[a-z][^>]*\s(?:src|href)="(/[^"]*)"', html)
        assert not absolute, (page, absolute)
    assert 'src="web/page/app.mjs"' in (built_site / "index.html").read_text()
    docs = (built_site / "docs" / "index.html").read_text()
    assert 'src="../web/page/embed.mjs"' in docs and 'src="../guests/hello.elf"' in docs


def test_site_wheels_manifest_and_snapshot(built_site: Path) -> None:
    wheels = built_site / "wheels"
    manifest = json.loads((wheels / "manifest.json").read_text())
    for key in ("tbwasm", "pyelftools", "micropip"):
        assert (wheels / manifest[key]).is_file(), key
    snap = manifest["snapshot"]
    assert (wheels / snap["file"]).is_file()
    pyodide = json.loads(
        (built_site.parent / "node_modules" / "pyodide" / "package.json").read_text()
    )
    assert snap["pyodide"] == pyodide["version"]
    assert manifest["test"] == []


def test_site_examples_name_present_programs(built_site: Path) -> None:
    examples = json.loads((built_site / "examples.json").read_text())
    names = [e["name"] for e in examples]
    assert names[0] == "hello.elf" and "busybox" not in names
    assert all((built_site / "guests" / n).is_file() for n in names)
    assert sorted(names) == sorted(p.name for p in (built_site / "guests").glob("*.elf"))


def test_site_rootfs_files_and_gzip_copies(built_site: Path) -> None:
    rootfs = built_site / "rootfs"
    files = _index_files(json.loads((rootfs / ".tbwasm-index.json").read_text()))
    assert all((rootfs / f).is_file() for f in files)
    busybox = rootfs / "usr" / "bin" / "busybox"
    packed = rootfs / ".tbwasm-gz" / "usr" / "bin" / "busybox.gz"
    assert gzip.decompress(packed.read_bytes()) == busybox.read_bytes()
    assert len(list((rootfs / ".tbwasm-gz").rglob("*.gz"))) > 100


def test_site_served_by_a_plain_static_host(site_url: str, built_site: Path) -> None:
    """python3 -m http.server: the files a page fetches first, with usable content types."""
    for rel, ctype in (
        ("", "text/html"),
        ("web/page/app.mjs", "javascript"),
        ("pyodide/pyodide.asm.wasm", "application/wasm"),
        ("wheels/manifest.json", "application/json"),
        ("rootfs/.tbwasm-index.json", "application/json"),
    ):
        with urllib.request.urlopen(site_url + rel, timeout=30) as r:
            assert r.status == 200 and ctype in r.headers["Content-Type"], (rel, r.headers)


def test_build_site_options(consumer_project: Path, npx) -> None:
    r = npx(consumer_project, "tbwasm", "build-site", "small", "--no-rootfs", "--no-snapshot")
    assert r.returncode == 0, r.stderr
    small = consumer_project / "small"
    assert not (small / "rootfs").exists()
    manifest = json.loads((small / "wheels" / "manifest.json").read_text())
    assert "snapshot" not in manifest and not (small / "wheels" / "snapshot.bin").exists()
    assert re.search(r"\d+ files, [\d.]+ MB", r.stdout), r.stdout
    # a site of build-site may be built again; a directory with other files is left alone
    r = npx(consumer_project, "tbwasm", "build-site", "small", "--no-rootfs", "--no-snapshot")
    assert r.returncode == 0, r.stderr
    mine = consumer_project / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    r = npx(consumer_project, "tbwasm", "build-site", "mine")
    assert r.returncode == 1 and "not empty" in r.stderr and r.stderr.count("\n") == 1, r
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_build_site_into_a_file_fails_with_one_line(consumer_project: Path, npx) -> None:
    (consumer_project / "a-file").write_text("not a directory\n")
    r = npx(consumer_project, "tbwasm", "build-site", "a-file")
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and "not a directory" in r.stderr, r.stderr
    assert "Error" not in r.stderr and "    at " not in r.stderr, r.stderr
    r = npx(consumer_project, "tbwasm", "build-site")
    assert r.returncode == 2 and r.stderr.startswith("usage:"), r.stderr
