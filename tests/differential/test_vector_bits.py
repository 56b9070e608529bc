"""Zvbb, the vector basic bit-manipulation instructions (vandn, vror, vrol, vbrev8, vrev8,
vbrev, vclz, vctz, vcpop, vwsll), against qemu 10 with ``zvbb=true``.

One generated guest program (vecgen) runs each instruction over every SEW with LMULs from
1/8 to 8 (vwsll: up to 4, SEW up to 32), at vl 0, 1, partial and VLMAX, unmasked and masked,
``tu`` (and ``ta`` for a few), and records v8..v15; then the edges: elements 0 and all ones for
the counts, rotation amounts 0, SEW - 1, SEW and above (only their low log2(SEW) bits count),
vror.vi's 6-bit immediate, vwsll's amount masked to log2(2 * SEW) bits and a source that is
the destination's upper half. GNU as 2.40 does not know Zvbb: the instructions are written as
.4byte words (isa/encode.py; the encodings are checked against LLVM's in test_isa_disasm.py).
The illegal cases raise SIGILL under qemu 10 and tbwasm: in the program, each with a handler
that records it and goes on (so every tier runs them all in one run), and a few as programs
that die of it (vecgen.check_sigill).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import SCALAR, SEWS, TIERS, Gen, legal, vls

from py_backend.isa.encode import encode

pytestmark = pytest.mark.all_tiers
CPU = vecgen.VCPU + ",zvbb=true"
BINARY = ["vandn.vv", "vandn.vx", "vror.vv", "vror.vx", "vror.vi", "vrol.vv", "vrol.vx"]
UNARY = ["vbrev8.v", "vrev8.v", "vbrev.v", "vclz.v", "vctz.v", "vcpop.v"]
WIDENING = ["vwsll.vv", "vwsll.vx", "vwsll.vi"]
COVERED = BINARY + UNARY + WIDENING
WITH_TA = {"vandn.vv", "vbrev.v", "vwsll.vv"}  # (the others share the element loop)
LMULS = ("mf8", "mf2", "m1", "m8")
REG = {"v0.t": 0, "a1": 11}


def insn(name: str, vd: int, vs2: int, second: int | str = 0, masked: bool = False) -> str:
    """The .4byte line of a Zvbb instruction; `second` is vs1 (int, .vv), "a1" (.vx) or the
    immediate (int, .vi)."""
    fields = {"rd": vd, "rs2": vs2, "vm": 0 if masked else 1}
    if name.endswith(".vx"):
        fields["rs1"] = REG["a1"]
    elif name.endswith(".vi"):
        assert isinstance(second, int)
        fields["imm"] = second
    elif name.endswith(".vv"):
        assert isinstance(second, int)
        fields["rs1"] = second
    word = encode(name, **fields)
    return f".4byte {word:#010x}  # {name} v{vd}, v{vs2}, {second}{', v0.t' if masked else ''}"


def _case(g: Gen, name: str, n: int, masked: bool, lmul: str) -> None:
    """The instruction with v8 as vd, v16 as vs2 and v24 / a1 / an immediate."""
    if name.endswith(".vx"):
        g.emit(f"li a1, {SCALAR >> n * 3}")
    second: int | str = {"vv": 24, "vx": "a1", "vi": (n * 13 + 5) % 64, "v": 0}[name.split(".")[1]]
    if name == "vwsll.vi":
        second = (n * 7 + 3) % 32
    g.emit(insn(name, 8, 16, second, masked))


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()
    for sew in SEWS:
        for lmul in LMULS:
            if not legal(sew, lmul):
                continue
            for avl in vls(sew, lmul):
                for tail, masked in (("tu", False), ("ta", False), ("tu", True)):
                    case = f"e{sew} {lmul} avl={avl} {tail}{' v0.t' if masked else ''}"
                    for n, name in enumerate(BINARY + UNARY + WIDENING):
                        if tail == "ta" and name not in WITH_TA:
                            continue
                        wl = lmul
                        if name in WIDENING:
                            if sew == 64:
                                continue
                            wl = "m4" if lmul == "m8" else lmul  # (vd: 2 * LMUL registers)
                        g.setup(sew, wl, avl, tail)
                        _case(g, name, n, masked, wl)
                        g.group(f"{name} {case}")
    _edges(g)
    _illegal_records(g)
    return g.source(), g.what


def _illegal_records(g: Gen) -> None:
    """Each ILLEGAL case with a SIGILL handler that skips the instruction and sets a flag
    (at s7; the handler moves the saved pc on by 4): the flag is the record, 1 under qemu 10
    and in every tier. Each case's setup lines run first and must leave the flag 0."""
    g.emit("addi sp, sp, -32", "mv s7, sp", "j .Lzvbb_after_handler")
    g.emit(".Lzvbb_sigill:", "ld t0, 176(a2)", "addi t0, t0, 4", "sd t0, 176(a2)")
    g.emit("li t0, 1", "sd t0, 0(s7)", "ret", ".Lzvbb_after_handler:")
    g.emit("lla t0, .Lzvbb_sigill", "sd t0, 8(sp)", "li t0, 4", "sd t0, 16(sp)", "sd zero, 24(sp)")
    g.emit("li a0, 4", "addi a1, sp, 8", "li a2, 0", "li a3, 8", "li a7, 134", "ecall")
    for name, lines in sorted(ILLEGAL.items()):
        if name == "vill at start":
            lines = ["li a0, 4", "vsetvli t0, a0, 0x4", *lines]  # (a reserved vtype: vill)
        g.emit("sd zero, 0(s7)", *lines[:-1], "ld t0, 0(s7)")
        g.record("t0", f"{name}: its setup")
        g.emit(lines[-1], "ld t0, 0(s7)")
        g.record("t0", f"{name}: SIGILL")
    g.emit("addi sp, sp, 32")


def _edges(g: Gen) -> None:
    for sew in SEWS:
        for fill in (0, -1):  # the counts of 0 and of all ones
            for name in UNARY:
                g.setup(sew, "m1", 100, "tu")
                g.emit(f"vmv.v.i v16, {fill}", insn(name, 8, 16))
                g.group(f"{name} e{sew} of {fill}")
        for amount in (0, 1, sew - 1, sew, sew + 3, 127):
            for name in ("vror.vx", "vrol.vx", "vwsll.vx"):
                if name == "vwsll.vx" and sew == 64:
                    continue
                g.setup(sew, "m1", 100, "tu")
                g.emit(f"li a1, {amount}", insn(name, 8, 16, "a1"))
                g.group(f"{name} e{sew} by {amount}")
            g.setup(sew, "m1", 100, "tu")
            g.emit("vmv.v.x v24, a1", insn("vror.vv", 8, 16, 24))
            g.group(f"vror.vv e{sew} by {amount}")
        for imm in (0, 1, 31, 32, 33, 63):
            g.setup(sew, "m1", 100, "tu")
            g.emit(insn("vror.vi", 8, 16, imm))
            g.group(f"vror.vi e{sew} by {imm}")
        if sew < 64:
            for imm in sorted({0, 1, sew - 1, min(sew, 31), 31}):
                g.setup(sew, "m1", 100, "tu")
                g.emit(insn("vwsll.vi", 8, 16, imm))
                g.group(f"vwsll.vi e{sew} by {imm}")
            # a source in the upper half of the destination group is allowed (LMUL >= 1)
            g.setup(sew, "m1", 100, "tu")
            g.emit(insn("vwsll.vv", 8, 9, 24))
            g.group(f"vwsll.vv e{sew} vs2 = vd + 1")
            g.setup(sew, "m2", 100, "tu")
            g.emit(insn("vwsll.vv", 8, 16, 10))
            g.group(f"vwsll.vv e{sew} m2 vs1 = vd + 2")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vbits") / "vbits.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, vecgen.MARCH, vecgen.RECORD, len(what), cpu=CPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_zvbb_matches_qemu10(program: tuple[Path, list[str], bytes], tier: str) -> None:
    vecgen.check(*program, tier)


ILLEGAL = {
    "vill at start": [insn("vandn.vv", 1, 2, 3)],
    "misaligned vd": ["vsetvli t0, zero, e8, m2, ta, ma", insn("vror.vv", 1, 2, 4)],
    "misaligned vs1": ["vsetvli t0, zero, e16, m2, ta, ma", insn("vrol.vv", 2, 4, 3)],
    "misaligned vs2": ["vsetvli t0, zero, e32, m4, ta, ma", insn("vclz.v", 4, 2)],
    "masked vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", insn("vcpop.v", 0, 1, masked=True)],
    "masked vror.vi vd = v0": [
        "vsetvli t0, zero, e8, m1, ta, ma",
        insn("vror.vi", 0, 1, 40, masked=True),
    ],
    "vwsll SEW = 64": ["vsetvli t0, zero, e64, m1, ta, ma", insn("vwsll.vv", 2, 4, 6)],
    "vwsll LMUL = 8": ["vsetvli t0, zero, e8, m8, ta, ma", insn("vwsll.vx", 0, 8, "a1")],
    "vwsll misaligned vd": ["vsetvli t0, zero, e8, m1, ta, ma", insn("vwsll.vi", 3, 4, 1)],
    "vwsll vs2 = vd": ["vsetvli t0, zero, e16, m1, ta, ma", insn("vwsll.vv", 2, 2, 6)],
    "vwsll vs1 in vd, fractional": [
        "vsetvli t0, zero, e8, mf2, ta, ma",
        insn("vwsll.vv", 2, 4, 2),
    ],
    "vwsll vs2 = vd, fractional": [
        "vsetvli t0, zero, e8, mf2, ta, ma",
        insn("vwsll.vx", 3, 3, "a1"),
    ],
    "vwsll m2 vs1 low half of vd": [
        "vsetvli t0, zero, e8, m2, ta, ma",
        insn("vwsll.vv", 4, 8, 4),
    ],
    "vwsll masked vd = v0": [
        "vsetvli t0, zero, e8, m1, ta, ma",
        insn("vwsll.vi", 0, 4, 1, masked=True),
    ],
}


def test_illegal_cases_are_sigill_under_qemu10(program: tuple[Path, list[str], bytes]) -> None:
    """The main program's records of the ILLEGAL cases: each instruction SIGILL, its setup not."""
    _, what, ref = program
    recs = {
        w: ref[k * 8 : k * 8 + 8] for k, w in enumerate(what) if w.endswith(("setup", "SIGILL"))
    }
    assert len(recs) == 2 * len(ILLEGAL)
    for w, rec in recs.items():
        assert int.from_bytes(rec, "little") == (1 if w.endswith("SIGILL") else 0), w


# a few also as programs that die of it (the others differ only in the instruction)
DYING = ["vill at start", "vwsll SEW = 64", "vwsll vs2 = vd", "masked vd = v0"]


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", DYING)
def test_illegal_zvbb_cases(
    name: str, tier: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vecgen, "VCPU", CPU)  # (check_sigill's qemu must know Zvbb)
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)
