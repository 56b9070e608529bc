"""Expect tests (as v86's tests/expect): small assembly snippets in this directory (``NAME.s``),
and the exact WebAssembly text the translator emits for them (``NAME.wat``).

Each snippet is assembled with GNU as at ``BASE`` and translated the way ``--tier jit`` does: the
TB at ``BASE`` and, breadth-first, its static successors inside the snippet (up to 16) become
one module; ``wasm.wat`` prints it, after the TBs' disassembly.  A snippet whose first line
starts with ``# tiered`` is selected as a hot region of the tiered run instead (every block
taken as run by tier 0, so a call's return point joins the region).  A line ``# vtype 0x..``
translates as when the guest runs under that vtype (the JIT specializes vector code on it).
A change to the code generator shows up here as a diff of the emitted code. When the change is
deliberate, accept it and commit the new ``.wat`` files with it::

    pytest tests/expect --accept          # or: make expect-accept

The cross assembler is required (``scripts/setup.sh`` installs it): its absence is a failure.
"""

from __future__ import annotations

import difflib
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import wasmtime

from py_backend import abi
from py_backend.block import Block
from py_backend.isa.disasm import format_insn
from py_backend.tbcache import select_region
from py_backend.translate import emit_fp, emit_int  # noqa: F401  (registers the semantics)
from py_backend.translate.codegen import translate_module
from py_backend.wasm.wat import to_wat

HERE = Path(__file__).resolve().parent
CASES = sorted(HERE.glob("*.s"))
BASE = 0x10000
BATCH = 16
TOOLS = ("riscv64-linux-gnu-as", "riscv64-linux-gnu-ld", "riscv64-linux-gnu-objcopy")


def assemble(src: Path, tmp: Path) -> bytes:
    """The bytes of the snippet's .text, linked at BASE (no compressed instructions unless the
    snippet asks with ``.option rvc``)."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run scripts/setup.sh (gcc-riscv64-linux-gnu)")
    as_, ld, objcopy = TOOLS
    text = ".option norvc\n" + src.read_text()
    (tmp / "in.s").write_text(text)
    subprocess.run(
        [as_, "-march=rv64gcv", "-mno-relax", "-o", tmp / "in.o", tmp / "in.s"], check=True
    )
    subprocess.run(
        [
            ld,
            "--no-relax",
            f"-Ttext={BASE:#x}",
            "-e",
            f"{BASE:#x}",
            "-o",
            tmp / "in.elf",
            tmp / "in.o",
        ],
        check=True,
    )
    subprocess.run(
        [objcopy, "-O", "binary", "-j", ".text", tmp / "in.elf", tmp / "in.bin"], check=True
    )
    return (tmp / "in.bin").read_bytes()


def region(code: bytes, limit: int, tiered: bool = False) -> list[tuple[int, Block]]:
    """The TBs one JIT module holds when the TB at BASE is translated: the machine's own region
    selection (`tbcache.select_region`, as with --tier jit), over ``code`` at BASE.  ``tiered``:
    as a hot region of the tiered run, with every block of the snippet taken as run by tier 0."""

    def fetch16(addr: int) -> int | None:
        off = addr - BASE
        if not 0 <= off <= len(code) - 2:
            return None
        return int.from_bytes(code[off : off + 2], "little")

    ran = (lambda pc: True) if tiered else None
    return select_region(fetch16, BASE, limit, itertools.count(abi.FIRST_TB).__next__, ran=ran)


def render(src: Path, tmp: Path) -> str:
    # a snippet whose first line starts with "# tiered" is selected as a hot region; one with a
    # line "# vtype 0x..." is translated as when the guest runs under that vtype
    text = src.read_text()
    blocks = region(assemble(src, tmp), BATCH, text.startswith("# tiered"))
    vtype = re.search(r"^# vtype (0x[0-9a-f]+)", text, re.M)
    lines = [f";; {src.name}: TBs of one module, guest code at {BASE:#x}"]
    for tb_id, block in blocks:
        lines.append(f";; TB {tb_id}")
        for pc, insn in block.insns:
            text = "(illegal)" if insn is None else format_insn(insn, pc).replace("\t", " ")
            lines.append(f";;   {pc:#x}  {text}")
    module = translate_module(blocks, int(vtype[1], 16) if vtype else None)
    wasmtime.Module.validate(wasmtime.Engine(), module)
    return "\n".join(lines) + "\n" + to_wat(module)


@pytest.mark.parametrize("src", CASES, ids=[p.stem for p in CASES])
def test_expect(src: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    got = render(src, tmp_path)
    want_file = src.with_suffix(".wat")
    if request.config.getoption("--accept"):
        want_file.write_text(got)
        return
    assert want_file.exists(), f"{want_file.name} missing: run pytest tests/expect --accept"
    want = want_file.read_text()
    if got != want:
        diff = difflib.unified_diff(
            want.splitlines(), got.splitlines(), want_file.name, "translator output", lineterm=""
        )
        pytest.fail(
            "emitted code differs (pytest tests/expect --accept takes it if deliberate):\n"
            + "\n".join(diff),
            pytrace=False,
        )


def test_every_expected_file_has_a_snippet() -> None:
    assert CASES, "no snippets"
    stale = [w.name for w in HERE.glob("*.wat") if not w.with_suffix(".s").exists()]
    assert stale == []
