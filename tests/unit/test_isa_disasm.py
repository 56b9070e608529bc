"""Disassembler tests, including a differential test against GNU as/objdump.

The differential test prints random instructions of every row with our disassembler, has GNU as
assemble that text, checks the bytes are the ones we started from, then checks
``objdump -d -M no-aliases,numeric`` prints each instruction as we do. It is not skipped when
the toolchain is missing: CI installs it, so its absence is a failure.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from py_backend.isa import ROWS, Insn, decode, disassemble, disassemble_elf, encode, format_insn
from py_backend.isa.disasm import CSR_NAMES
from py_backend.isa.table import Row

AS = "riscv64-linux-gnu-as"
OBJDUMP = "riscv64-linux-gnu-objdump"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found: install the RISC-V cross binutils "
            "(apt-get install binutils-riscv64-linux-gnu) to run the objdump differential test"
        )
    return path


def test_format_examples() -> None:
    cases = [
        (0x00150513, 0, "addi\ta0,a0,1"),
        (0x0505, 0, "c.addi\ta0,1"),
        (0x000500E7, 0, "jalr\tra,0(a0)"),
        (0xFE050EE3, 0x1000, "beq\ta0,zero,ffc"),
        (0x12345537, 0, "lui\ta0,0x12345"),
        (0x06B6252F, 0, "amoadd.w.aqrl\ta0,a1,(a2)"),
        (0x02C59553, 0, "fadd.d\tfa0,fa1,fa2,rtz"),
        (0x02C5F553, 0, "fadd.d\tfa0,fa1,fa2"),
        (0x0032D573, 0, "csrrwi\ta0,fcsr,5"),
        (0x0FF0000F, 0, "fence\tiorw,iorw"),
        (0x8330000F, 0, "fence.tso"),
        (0x9002, 0, "c.ebreak"),
        (0xA001, 0x20, "c.j\t20"),
    ]
    for word, pc, text in cases:
        insn = decode(word)
        assert insn is not None
        assert format_insn(insn, pc) == text
    insn = decode(0x00150513)
    assert insn is not None
    assert format_insn(insn, 0, numeric=True) == "addi\tx10,x10,1"


def test_disassemble_walks_mixed_lengths() -> None:
    code = (0x0505).to_bytes(2, "little") + (0x00150513).to_bytes(4, "little")
    code += (0x0000).to_bytes(2, "little") + (0x0000007F).to_bytes(4, "little") + b"\x13\x05"
    out = list(disassemble(code, 0x1000))
    assert [(pc, raw) for pc, _, raw in out] == [
        (0x1000, 0x0505),
        (0x1002, 0x00150513),
        (0x1006, 0x0000),
        (0x1008, 0x0000007F),
        (0x100C, 0x0513),  # truncated 32-bit instruction
    ]
    assert [i is None for _, i, _ in out] == [False, False, True, True, True]


def _is_hint_or_unprintable(insn: Insn) -> bool:
    """Encodings GNU as/objdump do not accept as written (HINTs, empty fence sets)."""
    m = insn.mnemonic
    if m == "fence":
        return insn.imm >> 4 == 0 or insn.imm & 15 == 0
    if m in ("c.addi", "c.li", "c.lui", "c.mv", "c.add", "c.slli") and insn.rd == 0:
        return True
    if m in ("c.slli", "c.srli", "c.srai") and insn.imm == 0:
        return True
    return False


def _samples(row: Row, rng: random.Random, n: int) -> list[Insn]:
    out: list[Insn] = []
    tries = 0
    while len(out) < n and tries < 10_000:
        tries += 1
        w = row.match | (rng.getrandbits(row.size * 8) & ~row.mask)
        insn = decode(w)
        if insn is None or insn.mnemonic != row.mnemonic or _is_hint_or_unprintable(insn):
            continue  # (a more specific row took the word: c.addi16sp inside c.lui's pattern)
        if row.fmt.name.endswith("_exact"):
            # Exact conversions: objdump (2.40) prints no rm and as encodes rm=000.
            w &= ~0x7000
            insn = decode(w)
            assert insn is not None
        if row.fmt.name.startswith("csr"):
            w = (w & 0xFFFFF) | rng.choice(sorted(CSR_NAMES)) << 20
            insn = decode(w)
            assert insn is not None
        out.append(insn)
    assert out, row.mnemonic
    return out


def _as_source(insn: Insn) -> str:
    """Our text, with branch targets made pc-relative (``.+N``) so the assembler can use it."""
    text = format_insn(insn, 0)
    row = next(r for r in ROWS if r.mnemonic == insn.mnemonic)
    if row.fmt.syntax.endswith("target"):
        head, _, _ = text.rpartition(",") if "," in text else (text.split("\t")[0] + "\t", "", "")
        sep = "" if head.endswith("\t") else ","
        text = f"{head}{sep}.{insn.imm:+d}"
    return text


# GNU as/objdump 2.40 (Debian 12) know these extensions beyond RV64GC; the newer ones
# (UNKNOWN_TO_BINUTILS) are checked against the specifications' own examples below.
MARCH = "rv64gcv_zba_zbb_zbc_zbs_zicbom_zicboz_zawrs_zfh_zbkb_zbkc_zbkx_zknd_zkne_zknh_zksed_zksh"
UNKNOWN_TO_BINUTILS = frozenset({"Zicond", "Zimop", "Zcmop", "Zcb", "Zfa", "Zvbb"})


def test_against_gnu_objdump(tmp_path: Path) -> None:
    as_, objdump = _tool(AS), _tool(OBJDUMP)
    rng = random.Random(2024)
    rows = [r for r in ROWS if r.ext not in UNKNOWN_TO_BINUTILS]
    insns = [i for row in rows for i in _samples(row, rng, 24)]
    lines = []
    for insn in insns:
        lines.append(".option rvc" if insn.size == 2 else ".option norvc")
        lines.append("\t" + _as_source(insn))
    src = tmp_path / "all.S"
    src.write_text(".option norelax\n" + "\n".join(lines) + "\n")
    obj = tmp_path / "all.o"
    res = subprocess.run(
        [as_, f"-march={MARCH}", "-o", str(obj), str(src)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[:4000]

    # 1. The assembler turns our text back into the very same bytes.
    from elftools.elf.elffile import ELFFile

    with obj.open("rb") as fh:
        text_section = ELFFile(fh).get_section_by_name(".text")
        assert text_section is not None
        code = text_section.data()
    ours = list(disassemble(code, 0))
    assert [raw for _, _, raw in ours] == [i.raw for i in insns]

    # 2. objdump prints every instruction exactly as we do (numeric registers, no aliases).
    dump = subprocess.run(
        [objdump, "-d", "-M", "no-aliases,numeric", str(obj)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    theirs: dict[int, str] = {}
    for line in dump.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t[0-9a-f]+\s*\t(.*)$", line)
        if m:
            text = re.sub(r"\s*#.*$", "", m.group(2))  # address comments
            text = re.sub(r" <[^>]*>", "", text)  # symbolised targets
            theirs[int(m.group(1), 16)] = text.strip()
    mismatches = []
    for pc, maybe, raw in ours:
        assert maybe is not None
        mine = format_insn(maybe, pc, numeric=True)
        if theirs.get(pc) != mine:
            mismatches.append(f"{pc:x} {raw:08x}: objdump {theirs.get(pc)!r} ours {mine!r}")
    assert mismatches == [], "\n".join(mismatches[:50])
    assert len(ours) == len(theirs)


def test_disassemble_elf(tmp_path: Path) -> None:
    as_ = _tool(AS)
    src = tmp_path / "t.S"
    src.write_text(
        ".globl _start\n.type _start,@function\n_start:\n"
        ".option norvc\n\taddi a0,a0,1\n"
        "\t.option rvc\n\tc.addi a0,1\n\t.insn 4, 0x0000005b\n\tecall\n"
    )
    obj = tmp_path / "t.o"
    subprocess.run([as_, "-march=rv64gc", "-o", str(obj), str(src)], check=True)
    text = disassemble_elf(obj.read_bytes())
    assert "<_start>:" in text
    assert "0:\t00150513          \taddi\ta0,a0,1" in text
    assert "4:\t0505                \tc.addi\ta0,1" in text
    assert ".word\t0x0000005b" in text
    assert "ecall" in text


def test_every_row_prints() -> None:
    """Every row's syntax uses known tokens, and the text starts with the mnemonic."""
    rng = random.Random(7)
    for row in ROWS:
        for insn in _samples(row, rng, 3):
            assert format_insn(insn, 0x1000).startswith(row.mnemonic)
            assert decode(encode(insn.mnemonic, **_fields(insn))) == insn


def _fields(insn: Insn) -> dict[str, int]:
    return {
        k: int(getattr(insn, k))
        for k in ("rd", "rs1", "rs2", "rs3", "imm", "csr", "rm", "aq", "rl", "vm")
    }


GCC = "riscv64-linux-gnu-gcc"
_PROGRAM = r"""
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
static _Atomic long counter;
int main(int argc, char **argv) {
    atomic_fetch_add(&counter, argc);
    double x = strtod(argc > 1 ? argv[1] : "1.5", 0);
    float y = (float)x * 3.0f;
    printf("%f %f %ld\n", sin(x) + sqrt(x), (double)fmaf(y, y, 1.0f), (long)counter);
    return 0;
}
"""


def _parse_objdump(text: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t[0-9a-f]+\s*\t(.*)$", line)
        if m:
            t = re.sub(r"\s*#.*$", "", m.group(2))
            out[int(m.group(1), 16)] = re.sub(r" <[^>]*>", "", t).strip()
    return out


@pytest.mark.slow
def test_static_binary_against_gnu_objdump(tmp_path: Path) -> None:
    """Every instruction of a static glibc binary (~90k) disassembles as objdump has it."""
    gcc, objdump = _tool(GCC), _tool(OBJDUMP)
    (tmp_path / "p.c").write_text(_PROGRAM)
    exe = tmp_path / "p"
    subprocess.run(
        [gcc, "-O2", "-static", "-o", str(exe), str(tmp_path / "p.c"), "-lm"], check=True
    )
    theirs = _parse_objdump(
        subprocess.run(
            [objdump, "-d", "-M", "no-aliases,numeric", str(exe)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    ours = _parse_objdump(disassemble_elf(exe.read_bytes(), numeric=True))
    # objdump elides runs of zero padding ("..."); we print them as illegal halfwords.
    padding = {pc for pc, t in ours.items() if t.startswith(".short\t0x0000")}
    assert set(theirs) == set(ours) - padding
    bad = [f"{pc:x}: objdump {t!r} ours {ours[pc]!r}" for pc, t in theirs.items() if ours[pc] != t]
    assert bad == [], "\n".join(bad[:50])
    assert len(theirs) > 10_000


def test_extensions_newer_than_binutils() -> None:
    """Encodings from the ratified specifications (and LLVM's output for the same text)."""
    cases = [
        (0x0EB55533, "czero.eqz\ta0,a0,a1"),  # Zicond: 0000111 rs2 rs1 101 rd 0110011
        (0x0EB57533, "czero.nez\ta0,a0,a1"),  # funct3 111
        (0x81C54573, "mop.r.0\ta0,a0"),  # Zimop: 1 n4 00 n3 n2 0111 n1 n0 rs1 100 rd 1110011
        (0xCDF54573, "mop.r.31\ta0,a0"),
        (0x82B54573, "mop.rr.0\ta0,a0,a1"),  # 1 n2 00 n1 n0 1 rs2 rs1 100 rd 1110011
        (0xCEB54573, "mop.rr.7\ta0,a0,a1"),
        (0x6081, "c.mop.1"),  # Zcmop: 0110 0 n[3:1] 1 00000 01
        (0x6781, "c.mop.15"),
        (0x81A4, "c.lbu\ts1,2(a1)"),  # Zcb: 100 000 rs1' uimm[0|1] rd' 00
        (0x81C4, "c.lbu\ts1,1(a1)"),
        (0x85A4, "c.lhu\ts1,2(a1)"),  # 100 001 rs1' 0 uimm[1] rd' 00
        (0x85E4, "c.lh\ts1,2(a1)"),  # 100 001 rs1' 1 uimm[1] rd' 00
        (0x89C4, "c.sb\ts1,1(a1)"),  # 100 010 rs1' uimm[0|1] rs2' 00
        (0x8DA4, "c.sh\ts1,2(a1)"),  # 100 011 rs1' 0 uimm[1] rs2' 00
        (0x9C61, "c.zext.b\ts0"),  # 100 111 rd' 11 000 01
        (0x9DE5, "c.sext.b\ta1"),
        (0x9C69, "c.zext.h\ts0"),
        (0x9C6D, "c.sext.h\ts0"),
        (0x9C71, "c.zext.w\ts0"),
        (0x9C75, "c.not\ts0"),
        (0x9C4D, "c.mul\ts0,a1"),  # 100 111 rd' 10 rs2' 01
        (0xF0108553, "fli.s\tfa0,min"),  # Zfa: 1111000 00001 rs1 000 rd 1010011
        (0xF2180553, "fli.d\tfa0,1.0"),  # 1111001, rs1 = 16
        (0xF21F8553, "fli.d\tfa0,nan"),  # rs1 = 31
        (0x28C5A553, "fminm.s\tfa0,fa1,fa2"),  # 0010100 rs2 rs1 010 rd
        (0x2AC5B553, "fmaxm.d\tfa0,fa1,fa2"),  # 0010101 ... 011
        (0x40459553, "fround.s\tfa0,fa1,rtz"),  # 0100000 00100 rs1 rm rd
        (0x4255F553, "froundnx.d\tfa0,fa1"),  # 0100001 00101, rm dyn
        (0xC2859553, "fcvtmod.w.d\ta0,fa1,rtz"),  # 1100001 01000 rs1 001 rd
        (0xA0C5C553, "fleq.s\ta0,fa1,fa2"),  # 1010000 rs2 rs1 100 rd
        (0xA2C5D553, "fltq.d\ta0,fa1,fa2"),  # 1010001 ... 101
        # Zvbb: LLVM's MC tests (zvbb.s, zvkb.s) encode these
        (0x04940557, "vandn.vv\tv10,v9,v8,v0.t"),  # 000001 vm vs2 vs1 000 vd 1010111
        (0x04954557, "vandn.vx\tv10,v9,a0,v0.t"),
        (0x48942557, "vbrev8.v\tv10,v9,v0.t"),  # 010010 vm vs2 01000 010 vd
        (0x4894A557, "vrev8.v\tv10,v9,v0.t"),  # 01001
        (0x48952557, "vbrev.v\tv10,v9,v0.t"),  # 01010
        (0x48962557, "vclz.v\tv10,v9,v0.t"),  # 01100
        (0x4896A557, "vctz.v\tv10,v9,v0.t"),  # 01101
        (0x48972557, "vcpop.v\tv10,v9,v0.t"),  # 01110
        (0x54940557, "vrol.vv\tv10,v9,v8,v0.t"),  # 010101
        (0x54954557, "vrol.vx\tv10,v9,a0,v0.t"),
        (0x50940557, "vror.vv\tv10,v9,v8,v0.t"),  # 010100
        (0x50954557, "vror.vx\tv10,v9,a0,v0.t"),
        (0x5490B557, "vror.vi\tv10,v9,33,v0.t"),  # 01010 i5 vm vs2 i4..0 011 vd
        (0xD4940557, "vwsll.vv\tv10,v9,v8,v0.t"),  # 110101
        (0xD4954557, "vwsll.vx\tv10,v9,a0,v0.t"),
        (0xD49EB557, "vwsll.vi\tv10,v9,29,v0.t"),
    ]
    for word, text in cases:
        insn = decode(word)
        assert insn is not None, hex(word)
        assert format_insn(insn, 0) == text
    assert {r.ext for r in ROWS} & UNKNOWN_TO_BINUTILS == set(UNKNOWN_TO_BINUTILS)


def test_tbwasm_disas_prints_the_extensions(tmp_path: Path) -> None:
    """`tbwasm disas` (the command line) on an ELF using extensions beyond RV64GC."""
    import sys

    as_ = _tool(AS)
    src = tmp_path / "x.S"
    src.write_text(
        ".globl _start\n_start:\n.option norvc\n\tsh2add a0,a1,a2\n\tclmul a0,a0,a1\n"
        "\trev8 a1,a1\n\tcbo.zero (a0)\n\t.insn r 0x33, 5, 7, a0, a1, a2\n"
        "\t.4byte 0xF2180553\n\t.2byte 0x9C61\n"
    )
    obj = tmp_path / "x.o"
    subprocess.run([as_, f"-march={MARCH}", "-o", str(obj), str(src)], check=True)
    r = subprocess.run(
        [sys.executable, "-m", "py_backend.cli", "disas", str(obj)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    for text in ("sh2add\ta0,a1,a2", "clmul\ta0,a0,a1", "rev8\ta1,a1", "cbo.zero\t(a0)",
                 "czero.eqz\ta0,a1,a2", "fli.d\tfa0,1.0", "c.zext.b\ts0"):  # fmt: skip
        assert text in r.stdout, text
