"""Stand-ins for tests/package/conftest.py's session fixtures ``built_site`` and
``consumer_project`` while that conftest is not there yet: a site built from the checkout
(``node web/bin.mjs build-site``) and a project where the packed tarball is npm-installed.
``site(request)`` / ``project(request)`` prefer the conftest's fixtures when they exist."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_cache: dict[str, Path] = {}


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)}: {(proc.stderr or proc.stdout).strip()[-1500:]}")


def site(request: pytest.FixtureRequest) -> Path:
    try:
        return Path(request.getfixturevalue("built_site"))
    except pytest.FixtureLookupError:
        pass
    if "site" not in _cache:
        out = request.getfixturevalue("tmp_path_factory").mktemp("site") / "site"
        _run(["node", str(REPO / "web" / "bin.mjs"), "build-site", str(out)], REPO)
        _cache["site"] = out
    return _cache["site"]


def project(request: pytest.FixtureRequest) -> Path:
    try:
        return Path(request.getfixturevalue("consumer_project"))
    except pytest.FixtureLookupError:
        pass
    if "project" not in _cache:
        tmp = request.getfixturevalue("tmp_path_factory").mktemp("consumer")
        _run(["npm", "pack", "--silent", "--pack-destination", str(tmp)], REPO)
        tarball = next(tmp.glob("tbwasm-*.tgz"))
        proj = tmp / "project"
        proj.mkdir()
        (proj / "package.json").write_text(
            json.dumps({"name": "consumer", "private": True, "type": "module"})
        )
        env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
        proc = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", str(tarball)],
            cwd=proj,
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
        )
        if proc.returncode != 0:
            pytest.fail(f"npm install {tarball.name}: {proc.stderr.strip()[-1500:]}")
        _cache["project"] = proj
    return _cache["project"]
