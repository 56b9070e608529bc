"""The syscall table (py_backend/linux/sysnr.py) against the kernel's own list: the asm-generic
unistd.h of the riscv64 cross toolchain's headers (Debian's linux-libc-dev-riscv64-cross, which
setup installs), and, where the cross compiler is there too, the exact riscv64 set it defines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from py_backend.linux.dispatch import syscall_table
from py_backend.linux.syscalls import Linux
from py_backend.linux.sysnr import Nr

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

INCLUDE = Path("/usr/riscv64-linux-gnu/include")
DEFINE = re.compile(r"^#define\s+(__NR\w+)\s+(.+?)\s*$", re.MULTILINE)
# Named here though the installed headers may lack them (see sysnr.py).
NEWER_THAN_HEADERS = {"riscv_hwprobe"}


def _evaluate(macros: dict[str, str], text: str, depth: int = 0) -> int:
    """An ``__NR`` macro's value: numbers, other ``__NR`` macros, ``+`` and parentheses."""
    assert depth < 10, text
    expr = re.sub(r"__NR\w+", lambda m: str(_evaluate(macros, macros[m.group()], depth + 1)), text)
    assert re.fullmatch(r"[0-9()+ ]+", expr), expr
    return int(eval(expr))  # digits, spaces, + and parentheses only (checked above)


def _numbers(macros: dict[str, str]) -> dict[str, int]:
    """name -> number; a name whose macro uses one these headers do not define (the 32-bit
    ``__NR3264_stat`` of an arch that wants stat64) is left out."""
    skip = {"__NR_syscalls", "__NR_arch_specific_syscall"}
    numbers = {}
    for name, text in macros.items():
        if name.startswith("__NR_") and name not in skip:
            try:
                numbers[name[len("__NR_") :]] = _evaluate(macros, text)
            except KeyError:
                pass
    return numbers


def header_numbers() -> dict[str, int]:
    """Every ``__NR_name`` the two headers define, whatever the #if around it (the asm-generic
    list also names the 32-bit and optional calls; a name never has two numbers)."""
    macros: dict[str, str] = {}
    for header in ("asm-generic/unistd.h", "asm/unistd.h"):
        for name, text in DEFINE.findall((INCLUDE / header).read_text()):
            assert macros.setdefault(name, text) == text, name
    return _numbers(macros)


def _require_toolchain() -> None:
    """The cross toolchain is part of the test set-up (scripts/setup.sh installs it): its
    absence is a failure, not a skip."""
    if not (INCLUDE / "asm-generic/unistd.h").exists() or not shutil.which("riscv64-linux-gnu-gcc"):
        pytest.fail("riscv64 Linux headers or gcc missing: run scripts/setup.sh", pytrace=False)


def test_every_name_has_the_kernels_number() -> None:
    _require_toolchain()
    kernel = header_numbers()
    for nr in Nr:
        if nr.name in NEWER_THAN_HEADERS and nr.name not in kernel:
            continue
        assert kernel.get(nr.name) == nr.value, nr.name
    assert len(kernel) > 300  # the parse found the list


def test_the_riscv64_set_is_complete() -> None:
    """What the C preprocessor defines for riscv64 (the #ifs decided) is all in Nr."""
    _require_toolchain()
    out = subprocess.run(
        ["riscv64-linux-gnu-gcc", "-E", "-dM", "-"],
        input="#include <asm/unistd.h>\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    riscv64 = _numbers(dict(DEFINE.findall(out)))
    assert {n.name: n.value for n in Nr if n.name in riscv64} == riscv64
    assert {n.name for n in Nr} - set(riscv64) <= {"renameat", *NEWER_THAN_HEADERS}


def test_handlers_are_named_after_their_calls() -> None:
    """A handler ``sys_x`` answers Nr.x (or, for a few, a sibling call it serves too)."""
    aliases = {
        "fsync": {"fdatasync"},
        "getuid": {"geteuid"},
        "getgid": {"getegid"},
        "landlock": {"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"},
    }
    table = syscall_table(Linux)
    assert len(table) > 140
    for nr, (name, _) in table.items():
        assert Nr(nr).name == name or Nr(nr).name in aliases.get(name, ()), (nr, name)
