"""Shared fixtures. The run helpers live in tests/helpers.py (importable as `helpers`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return helpers.REPO_ROOT


@pytest.fixture(scope="session")
def guest_bin() -> Callable[[str], Path]:
    """guest_bin(name) -> Path of guests/bin/NAME.elf (or guests/bin/NAME); skips if missing."""

    def get(name: str) -> Path:
        p = helpers.guest_path(name)
        if not p.exists():
            hint = " (run scripts/fetch-busybox.sh)" if name == "busybox" else ""
            pytest.skip(f"guest binary {p} missing{hint}")
        return p

    return get


@pytest.fixture(scope="session")
def qemu_run() -> Callable[..., helpers.Result]:
    """qemu_run(path, args=(), stdin=b"", env=None, timeout=60, cwd=None); skips without qemu."""
    if not helpers.have_qemu():
        pytest.skip("qemu-riscv64 not installed")
    return helpers.qemu_run


@pytest.fixture(scope="session")
def tbwasm_run() -> Callable[..., helpers.Result]:
    """tbwasm_run(path, args=(), stdin=b"", env=None, timeout=60, cwd=None)."""
    if helpers.self_check() and not helpers.have_qemu():
        pytest.skip("TBWASM_TEST_SELF_CHECK needs qemu-riscv64")
    return helpers.tbwasm_run
