"""tbwasm as a user's project gets it (issue #16, "Testing for users" and "A consumer project in
CI"): the wheel built and pip-installed into a fresh venv (no system site packages; pytest and
Playwright from PyPI) whose pytest then finds the ``tbwasm_page`` fixture through the wheel's
pytest11 entry point; and the npm tarball installed in a consumer project with
@playwright/test, whose ``tbwasmPage`` fixture runs a user's spec. Both run guests/bin/hello.elf
(its bytes) against qemu-riscv64 and a shell pipeline in the page, on the built site served by a
plain static server (no COOP/COEP headers), in Debian's chromium (no browser download)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "guests" / "bin" / "hello.elf"
PLAYWRIGHT_TEST = "1.65.2"  # @playwright/test for the consumer project (tbwasm's peer dependency)
TYPESCRIPT = ["typescript@6.0.3", "@types/node@20.19.43"]  # to type-check a user's spec
TIMEOUT = 900


def _env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of this checkout's Python or site settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for name in ("SITE", "TBWASM_SITE", "TBWASM_TIER", "TBWASM_HOT_THRESHOLD"):
        env.pop(name, None)
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    t = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=_env(**env)
    )
    print(f"\n[{time.monotonic() - t:.1f} s] {' '.join(cmd[:4])}")
    return proc


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, f"{proc.args}: {proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def site(built_site: Path) -> Path:
    """`npx tbwasm build-site` in the consumer project (tests/package/conftest.py)."""
    return built_site


@pytest.fixture(scope="module")
def project(consumer_project: Path) -> Path:
    """The consumer project with the packed tarball npm-installed (tests/package/conftest.py)."""
    return consumer_project


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel` of a copy of the sources (a build in the checkout would race setup-web.sh's)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "py_backend", src / "py_backend", ignore=shutil.ignore_patterns("__pycache__")
    )
    _ok(_run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(tmp)], src))
    return next(tmp.glob("tbwasm-*.whl"))


def _venv(root: Path, *packages: str) -> Path:
    """A fresh venv (no system site packages) with ``packages`` pip-installed; its python."""
    _ok(_run([sys.executable, "-m", "venv", str(root)], root.parent))
    python = root / "bin" / "python"
    _ok(_run([str(python), "-m", "pip", "install", "-q", *packages], root.parent))
    return python


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A user's venv: the tbwasm wheel, pytest and playwright (PyPI); its python."""
    return _venv(tmp_path_factory.mktemp("venv") / "venv", str(wheel), "pytest", "playwright")


USER_TEST = """\
import subprocess
from pathlib import Path

HELLO = Path({hello!r})


def test_hello_matches_qemu(tbwasm_page):
    ref = subprocess.run(["qemu-riscv64", str(HELLO)], capture_output=True, text=True)
    r = tbwasm_page.run(HELLO.read_bytes())
    assert (r.status, r.stdout, r.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert tbwasm_page.run("guests/hello.elf").stdout == ref.stdout  # a URL of the site


def test_shell_and_files(tbwasm_page):
    out = tbwasm_page.shell("echo hi | wc -c")
    assert out == "3\\n" and out.status == 0
    assert tbwasm_page.shell("false").status == 1
    tbwasm_page.put_file("/home/user/in.txt", "one\\ntwo\\n")
    assert tbwasm_page.shell("wc -l < /home/user/in.txt") == "2\\n"
    tbwasm_page.shell("echo made here > /tmp/out.txt")
    assert tbwasm_page.get_file("/tmp/out.txt") == b"made here\\n"
    assert not tbwasm_page.errors
"""


def test_pytest_plugin_from_the_wheel(venv: Path, site: Path, tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST.format(hello=str(HELLO)))
    proc = _run([str(venv), "-m", "pytest", "-q", "--tbwasm-site", str(site)], tmp_path)
    _ok(proc)
    assert "2 passed" in proc.stdout, proc.stdout


def test_pytest_plugin_reports_a_bad_site_in_one_line(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text("def test_x(tbwasm_page):\n    pass\n")
    missing = tmp_path / "no-such-site"
    proc = _run([str(venv), "-m", "pytest", "-q", "--tbwasm-site", str(missing)], tmp_path)
    assert proc.returncode == 4, proc  # pytest's usage error
    assert proc.stderr.strip() == f"ERROR: tbwasm site {missing}: no such directory", proc.stderr
    # no site named and no node_modules/tbwasm: the test errors with one line, no traceback
    proc = _run([str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert proc.returncode == 1, proc
    assert "tbwasm_page needs a tbwasm site: pass --tbwasm-site DIR|URL" in proc.stdout
    assert "Traceback" not in proc.stdout and "site.py" not in proc.stdout, proc.stdout


def test_pytest_plugin_without_playwright(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory, site: Path
) -> None:
    """Installed without Playwright, the plugin leaves other tests alone and fails the fixture
    with one line."""
    python = _venv(tmp_path_factory.mktemp("bare") / "venv", str(wheel), "pytest")
    tests = tmp_path_factory.mktemp("bare-tests")
    (tests / "test_user.py").write_text(
        "def test_plain():\n    pass\n\ndef test_page(tbwasm_page):\n    pass\n"
    )
    proc = _run([str(python), "-m", "pytest", "-q", "--tbwasm-site", str(site)], tests)
    assert proc.returncode == 1, proc
    assert "1 passed, 1 error" in proc.stdout, proc.stdout
    assert "tbwasm_page needs Playwright: pip install playwright" in proc.stdout
    assert "Traceback" not in proc.stdout and "ModuleNotFoundError" not in proc.stdout


DEFAULT_SITE_TEST = """\
import urllib.request


def test_site_of_the_project(tbwasm_site_url):
    with urllib.request.urlopen(tbwasm_site_url + "tbwasm-sw.js") as r:
        assert r.status == 200
        assert "Cross-Origin-Opener-Policy" not in r.headers  # a plain static server
"""


def test_pytest_plugin_builds_the_site_of_the_project(venv: Path, project: Path) -> None:
    """No site named: the plugin builds the one of the project's node_modules/tbwasm (with
    `npx --no-install tbwasm build-site`) into node_modules/.cache/tbwasm/site and serves it."""
    tests = project / "py-tbwasm"
    tests.mkdir(exist_ok=True)
    (tests / "test_default_site.py").write_text(DEFAULT_SITE_TEST)
    cache = project / "node_modules" / ".cache" / "tbwasm" / "site"
    shutil.rmtree(cache, ignore_errors=True)
    _ok(_run([str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider"], tests))
    assert (cache / "index.html").is_file() and (cache / ".tbwasm-site-stamp").is_file()


USER_SPEC = """\
import {{ test, expect }} from "tbwasm/playwright";
import {{ spawnSync }} from "node:child_process";
import fs from "node:fs";

const HELLO = {hello!r};

test("hello matches qemu-riscv64", async ({{ tbwasmPage }}) => {{
  const ref = spawnSync("qemu-riscv64", [HELLO], {{ encoding: "utf8" }});
  const r = await tbwasmPage.run({{ program: fs.readFileSync(HELLO) }});
  expect([r.status, r.stdout, r.stderr]).toEqual([ref.status, ref.stdout, ref.stderr]);
  expect((await tbwasmPage.run({{ program: "guests/hello.elf" }})).stdout).toBe(ref.stdout);
}});

test("shell and files", async ({{ tbwasmPage }}) => {{
  expect(await tbwasmPage.shell("echo hi | wc -c")).toBe("3\\n");
  expect(tbwasmPage.lastStatus).toBe(0);
  await tbwasmPage.putFile("/home/user/in.txt", "one\\ntwo\\n");
  expect(await tbwasmPage.shell("wc -l < /home/user/in.txt")).toBe("2\\n");
  await tbwasmPage.shell("echo made here > /tmp/out.txt");
  expect(Buffer.from(await tbwasmPage.getFile("/tmp/out.txt")).toString()).toBe("made here\\n");
  expect(tbwasmPage.errors).toEqual([]);
}});
"""

USER_CONFIG = """\
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  workers: 1,
  timeout: 300_000,
  reporter: "line",
  use: { tbwasmSite: process.env.SITE },
});
"""


DEFAULT_SITE_SPEC = """\
import { test, expect } from "tbwasm/playwright";

test("the site of the project", async ({ tbwasmSiteURL }) => {
  const r = await fetch(new URL("tbwasm-sw.js", tbwasmSiteURL));
  expect(r.status).toBe(200);
  expect(r.headers.get("cross-origin-opener-policy")).toBeNull(); // a plain static server
});
"""


@pytest.fixture(scope="module")
def playwright_project(project: Path) -> Path:
    """The consumer project with @playwright/test installed (no browser download) and the
    user's specs in e2e-tbwasm/."""
    if not (project / "node_modules" / "@playwright" / "test").is_dir():
        npm = ["npm", "install", "--no-audit", "--no-fund", "--save-dev"]
        _ok(_run([*npm, f"@playwright/test@{PLAYWRIGHT_TEST}"], project, **SKIP_DOWNLOAD))
    e2e = project / "e2e-tbwasm"
    e2e.mkdir(exist_ok=True)
    (e2e / "hello.spec.mjs").write_text(USER_SPEC.format(hello=str(HELLO)))
    (e2e / "site.spec.mjs").write_text(DEFAULT_SITE_SPEC)
    (e2e / "playwright.config.mjs").write_text(USER_CONFIG)
    return project


SKIP_DOWNLOAD = {"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
PLAYWRIGHT = ["npx", "--no-install", "playwright", "test", "-c", "e2e-tbwasm/playwright.config.mjs"]


def test_playwright_test_fixture_in_a_consumer_project(
    playwright_project: Path, site: Path
) -> None:
    if shutil.which("qemu-riscv64") is None:
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    proc = _ok(_run(PLAYWRIGHT, playwright_project, SITE=str(site), **SKIP_DOWNLOAD))
    assert "3 passed" in proc.stdout, proc.stdout


def test_playwright_test_fixture_builds_the_site_of_the_project(playwright_project: Path) -> None:
    """No tbwasmSite: the fixture builds the site of node_modules/tbwasm into
    node_modules/.cache/tbwasm/site (the pytest plugin's cache too) and serves it."""
    cache = playwright_project / "node_modules" / ".cache" / "tbwasm" / "site"
    shutil.rmtree(cache, ignore_errors=True)
    proc = _ok(_run([*PLAYWRIGHT, "site.spec.mjs"], playwright_project, **SKIP_DOWNLOAD))
    assert "1 passed" in proc.stdout, proc.stdout
    assert (cache / "index.html").is_file() and (cache / ".tbwasm-site-stamp").is_file()


TYPED_SPEC = """\
import { test, expect, TbwasmPage, TbwasmError, type RunResult } from "tbwasm/playwright";

test.use({ tbwasmSite: "site" });
test("typed", async ({ tbwasmPage, tbwasmSiteURL }) => {
  const p: TbwasmPage = tbwasmPage;
  const r: RunResult = await p.run({ program: "guests/hello.elf", args: ["a"], env: { A: "1" } });
  expect(r.status).toBe(0);
  const out: string = await p.shell("ls", { timeout: 5000 });
  const status: number | null = p.lastStatus;
  const bytes: Uint8Array = await p.getFile("/etc/passwd");
  await p.putFile("/tmp/x", new Uint8Array([1, 2]), 0o600);
  const e: Error = new TbwasmError("x");
  console.log(out, status, bytes, tbwasmSiteURL, e, p.page.url(), p.errors.length);
});
"""

TYPED_TSCONFIG = """\
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2022", "lib": ["es2022", "dom"],
    "module": "nodenext", "moduleResolution": "nodenext", "types": ["node"], "skipLibCheck": false
  },
  "files": ["typed.spec.ts"]
}
"""


def test_playwright_types_check_in_a_consumer_project(playwright_project: Path) -> None:
    """A TypeScript user's spec type-checks against tbwasm/playwright's types (web/playwright.d.ts,
    found through the package's exports)."""
    installed = playwright_project / "node_modules" / "tbwasm" / "package.json"
    entry = json.loads(installed.read_text())["exports"]["./playwright"]
    if not (isinstance(entry, dict) and entry.get("types") == "./web/playwright.d.ts"):
        pytest.fail(
            f"package.json: exports['./playwright'] is {entry!r}; TypeScript finds the types with "
            '{"types": "./web/playwright.d.ts", "default": "./web/playwright.mjs"}'
        )
    npm = ["npm", "install", "--no-audit", "--no-fund", "--save-dev"]
    if not (playwright_project / "node_modules" / "typescript").is_dir():
        _ok(_run([*npm, *TYPESCRIPT], playwright_project, **SKIP_DOWNLOAD))
    types = playwright_project / "types-tbwasm"
    types.mkdir(exist_ok=True)
    (types / "typed.spec.ts").write_text(TYPED_SPEC)
    (types / "tsconfig.json").write_text(TYPED_TSCONFIG)
    proc = _run(["npx", "--no-install", "tsc", "-p", "types-tbwasm"], playwright_project)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
