"""Session fixtures for the npm package tests: the package packed, installed into an empty
project and made into a static site, once per session (about a minute), for every test here and
for browser-level tests of a consumer's site.

``packed_tarball``    Path of ``tbwasm-<version>.tgz``: ``npm pack`` at the repo root (its
                      prepack step, scripts/pack-assets.mjs, runs scripts/setup-web.sh and stages
                      the wheels, example programs and root filesystem image in
                      dist/package-assets/).
``consumer_project``  Path of a temporary npm project (``{"name": "consumer"}``) with the tarball
                      installed by ``npm install <tgz>`` (its dependencies, Pyodide and xterm, come
                      from the registry or npm's cache): ``node_modules/.bin/tbwasm`` is there.
``built_site``        Path of ``consumer_project / "site"``, written by
                      ``npx tbwasm build-site site`` (with the rootfs image and the snapshot).
``site_url``          ``http://127.0.0.1:PORT/`` of ``python3 -m http.server`` serving
                      ``built_site``: a plain static host (no COOP/COEP headers, no gzip).
``npx``               npx(project, *args, timeout=...) -> CompletedProcess (text, captured).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from static_server import http_server

REPO = Path(__file__).resolve().parents[2]
PACK_TIMEOUT = 900  # prepack may rebuild the wheel, the snapshot or the rootfs image
INSTALL_TIMEOUT = 600
BUILD_TIMEOUT = 600


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _check(r: subprocess.CompletedProcess[str], what: str) -> None:
    if r.returncode != 0:
        pytest.fail(f"{what} exited with {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")


@pytest.fixture(scope="session")
def npx() -> Callable[..., subprocess.CompletedProcess[str]]:
    """npx(project, *args, timeout=120): ``npx --no-install ARGS`` in ``project``."""
    if shutil.which("npx") is None:
        pytest.fail("npm/npx not installed (scripts/setup.sh)")

    def run(project: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return _run(["npx", "--no-install", *args], project, timeout)

    return run


@pytest.fixture(scope="session")
def packed_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm not installed (scripts/setup.sh)")
    out = tmp_path_factory.mktemp("pack")
    # one `npm pack` of this checkout at a time (its prepack rewrites dist/package-assets/)
    lock = REPO / "dist" / ".pack.lock"
    lock.parent.mkdir(exist_ok=True)
    with open(lock, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        r = _run(["npm", "pack", "--pack-destination", str(out)], REPO, PACK_TIMEOUT)
    _check(r, "npm pack")
    version = json.loads((REPO / "package.json").read_text())["version"]
    tgz = out / f"tbwasm-{version}.tgz"
    assert tgz.is_file(), (r.stdout, list(out.iterdir()))
    return tgz


@pytest.fixture(scope="session")
def consumer_project(packed_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("consumer")
    meta = {"name": "consumer", "private": True, "type": "module"}
    (project / "package.json").write_text(json.dumps(meta) + "\n")
    r = _run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", str(packed_tarball)],
        project,
        INSTALL_TIMEOUT,
    )
    _check(r, "npm install <tgz>")
    return project


@pytest.fixture(scope="session")
def built_site(consumer_project: Path, npx) -> Path:
    r = npx(consumer_project, "tbwasm", "build-site", "site", timeout=BUILD_TIMEOUT)
    _check(r, "npx tbwasm build-site site")
    site = consumer_project / "site"
    assert (site / "index.html").is_file()
    return site


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    with http_server(built_site) as url:
        yield url
