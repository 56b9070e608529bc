"""The vector instructions tbwasm implements so far (RVV 1.0, VLEN = 128), against qemu 10.

One generated guest program runs each instruction over every SEW and every LMUL qemu accepts
with it, at several vl (0, 1, a partial vl, VLMAX), unmasked and masked (v0 holds a fixed
pattern), with the tail policy ``tu`` and ``ta``, and writes what it produced: the destination
register group (all eight registers of v8..v15, so tails and masked-off elements are compared
too), the memory a store wrote, the x register an instruction wrote, vl and vtype after each
vsetvl*. qemu 10 (``rvrun.QEMU10_VECTOR_CPU``) must print the same bytes as tbwasm in each tier
and in the Node host. Other tests: reserved vtypes and the AVL rules, the vector CSRs, the
illegal cases (vill, misaligned groups, a masked vd = v0, EMUL out of range, encodings not yet
implemented, writes to read-only CSRs), a fault in a vector load, and an autovectorized C
program built by clang-16. The table's V rows and this file must cover the same instructions.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import helpers
import pytest
import rvrun
import vecgen
from vecgen import IMMS, LMUL_VALUE, LMULS, SCALAR, SEWS, TIERS, VCPU, Gen, legal, vls

from py_backend.isa.table import ROWS

pytestmark = pytest.mark.all_tiers
MARCH = vecgen.MARCH
ARITH = [f"v{op}.{k}" for op in ("add", "sub", "and", "or", "xor") for k in ("vv", "vx")]
ARITH += ["vadd.vi", "vand.vi", "vor.vi", "vxor.vi", "vrsub.vx", "vrsub.vi"]
# (these share the element loop and its tail handling with the ones above: not run with ta)
TU_ONLY = [f"v{op}.{k}" for op in ("minu", "min", "maxu", "max") for k in ("vv", "vx")]
TU_ONLY += [f"v{op}.{k}" for op in ("sll", "srl", "sra") for k in ("vv", "vx", "vi")]
ARITH += TU_ONLY
MOVES = ["vmv.v.v", "vmv.v.x", "vmv.v.i"]
LOADS = [f"vle{e}.v" for e in SEWS]
STORES = [f"vse{e}.v" for e in SEWS]
WHOLE_LOADS = [f"vl{n}re{e}.v" for n in (1, 2, 4, 8) for e in SEWS]
WHOLE_STORES = [f"vs{n}r.v" for n in (1, 2, 4, 8)]
WHOLE_MOVES = [f"vmv{n}r.v" for n in (1, 2, 4, 8)]
OTHERS = ["vsetvli", "vsetivli", "vsetvl", "vlm.v", "vsm.v", "vmv.x.s", "vmv.s.x", "vid.v"]
# v0 an operand (carry in, selector): only unmasked; vmadc/vmsbc write a mask
CARRY = ["vadc.vvm", "vadc.vxm", "vadc.vim", "vsbc.vvm", "vsbc.vxm", "vmerge.vvm", "vmerge.vxm"]
CARRY += ["vmerge.vim", "vmadc.vvm", "vmadc.vxm", "vmadc.vim", "vmadc.vv", "vmadc.vx"]
CARRY += ["vmadc.vi", "vmsbc.vvm", "vmsbc.vxm", "vmsbc.vv", "vmsbc.vx"]
COVERED = ARITH + MOVES + LOADS + STORES + WHOLE_LOADS + WHOLE_STORES + WHOLE_MOVES + OTHERS
COMPARES = [f"vms{op}.vv" for op in ("eq", "ne", "ltu", "lt", "leu", "le")]
COMPARES += [f"vms{op}.vx" for op in ("eq", "ne", "ltu", "lt", "leu", "le", "gtu", "gt")]
COMPARES += [f"vms{op}.vi" for op in ("eq", "ne", "leu", "le", "gtu", "gt")]
COVERED += CARRY + COMPARES


def _program() -> tuple[str, list[str]]:
    g = Gen()
    # the state a process starts with
    g.emit("csrr t0, vtype")
    g.record("t0", "vtype at start")
    g.emit("csrr t0, vl")
    g.record("t0", "vl at start")
    g.emit("csrr t0, vlenb")
    g.record("t0", "vlenb")
    # v0..v31 from the pattern (v0 is the mask of every masked case)
    g.load_all()
    for sew in SEWS:
        for lmul in LMULS:
            if not legal(sew, lmul):
                continue
            for avl in vls(sew, lmul):
                for tail, vm in (("tu", ""), ("ta", ""), ("tu", ", v0.t")):
                    case = f"e{sew} {lmul} avl={avl} {tail}{vm}"
                    for n, op in enumerate(ARITH + MOVES):
                        if op.startswith("vmv") and vm:
                            continue  # (vmv.v.* are unmasked: masked, they are vmerge)
                        if op in TU_ONLY and tail == "ta":
                            continue
                        g.setup(sew, lmul, avl, tail)
                        src = "" if op.startswith("vmv") else "v16, "
                        if op.endswith(".vv") or op == "vmv.v.v":
                            g.emit(f"{op} v8, {src}v24{vm}")
                        elif op.endswith(".vx") or op == "vmv.v.x":
                            g.emit(f"li a1, {SCALAR >> n * 3}", f"{op} v8, {src}a1{vm}")
                        else:
                            imm = IMMS[n % len(IMMS)]
                            if op.startswith(("vsll", "vsrl", "vsra")):
                                imm = (imm + 32) % 32  # (an unsigned amount)
                            g.emit(f"{op} v8, {src}{imm}{vm}")
                        g.group(f"{op} {case}")
                    g.setup(sew, lmul, avl, tail)
                    g.emit(f"vid.v v8{vm}")
                    g.group(f"vid.v {case}")
                    for n, op in enumerate(COMPARES if tail == "tu" else ()):
                        # (a mask destination's tail is agnostic whatever vta says)
                        g.setup(sew, lmul, avl, tail)
                        g.emit(f"{op} v8, v16, {_second(g, op, n)}{vm}")
                        g.group(f"{op} {case}")
                    if not vm:
                        for n, op in enumerate(CARRY):
                            if tail == "ta" and op.startswith(("vmadc", "vmsbc")):
                                continue
                            g.setup(sew, lmul, avl, tail)
                            g.emit(f"{op} v8, v16, {_second(g, op, n)}")
                            g.group(f"{op} {case}")
                    for eew in SEWS:
                        emul = eew / sew * LMUL_VALUE[lmul]
                        if not 1 / 8 <= emul <= 8:
                            continue
                        g.setup(sew, lmul, avl, tail)
                        g.emit(f"addi a2, s5, {eew}", f"vle{eew}.v v8, (a2){vm}")
                        g.group(f"vle{eew}.v {case}")
                        g.setup(sew, lmul, avl, tail)
                        g.emit("lla a2, area", f"addi a2, a2, {eew}", f"vse{eew}.v v16, (a2){vm}")
                        g.memory(f"vse{eew}.v {case}")
                    g.setup(sew, lmul, avl, tail)
                    g.emit("vmv.x.s a3, v16")
                    g.record("a3", f"vmv.x.s {case}")
                    g.emit(f"li a1, {SCALAR}", "vmv.s.x v8, a1")
                    g.group(f"vmv.s.x {case}")
                    g.setup(sew, lmul, avl, tail)
                    g.emit("addi a2, s5, 3", "vlm.v v8, (a2)")
                    g.group(f"vlm.v {case}")
                    g.emit("lla a2, area", "vsm.v v16, (a2)")
                    g.memory(f"vsm.v {case}")
    for n in (1, 2, 4, 8):
        for eew in SEWS:
            g.emit("vl8re8.v v8, (s4)", f"addi a2, s5, {n}", f"vl{n}re{eew}.v v8, (a2)")
            g.group(f"vl{n}re{eew}.v")
        g.emit("lla a2, area", "addi a2, a2, 1", f"vs{n}r.v v16, (a2)")
        g.memory(f"vs{n}r.v")
        g.emit("vl8re8.v v8, (s4)", f"vmv{n}r.v v8, v16")
        g.group(f"vmv{n}r.v")
    _carry_edges(g)
    _compare_edges(g)
    _vset_cases(g)
    _csr_cases(g)
    return g.source(), g.what


def _second(g: Gen, op: str, n: int) -> str:
    """The operands after vs2 of a CARRY or COMPARES instruction: vs1 | a1 (set here) | an
    immediate, then v0 for the forms that take it."""
    kind = op.split(".")[1]
    if kind.startswith("vx"):
        g.emit(f"li a1, {SCALAR >> n * 3}")
    second = {"vv": "v24", "vx": "a1", "vi": str(IMMS[n % len(IMMS)])}[kind[:2]]
    return second + (", v0" if kind.endswith("m") else "")


def _carry_edges(g: Gen) -> None:
    """Carries and borrows at the edges (all ones plus a carry in, 0 minus a borrow in) at each
    SEW, m1, VLMAX: v20 = all ones, v21 = 0, v22 = vid."""
    for sew in SEWS:
        g.emit(f"vsetvli t0, zero, e{sew}, m1, ta, mu", "vmv.v.i v20, -1", "vmv.v.i v21, 0")
        g.emit("vid.v v22", "li a1, -1", "vl8re8.v v8, (s4)")
        g.emit("vmadc.vvm v8, v20, v21, v0", "vmadc.vim v9, v21, -1, v0")
        g.emit("vmadc.vxm v10, v22, a1, v0", "vmadc.vv v11, v20, v22")
        g.emit("vmsbc.vvm v12, v21, v21, v0", "vmsbc.vxm v13, v22, zero, v0")
        g.emit("vsbc.vvm v14, v21, v20, v0", "vadc.vim v15, v20, -1, v0")
        g.group(f"carry edges e{sew}")
        g.emit("vl8re8.v v8, (s4)", "vmsbc.vx v8, v21, a1", "vmsbc.vv v9, v22, v20")
        g.emit("vmadc.vi v10, v20, 0", "vmadc.vx v11, v22, a1", "vmerge.vvm v12, v20, v22, v0")
        g.emit("vmerge.vxm v13, v21, a1, v0", "vmerge.vim v14, v22, -16, v0")
        g.emit("vmadc.vvm v16, v16, v24, v0", "vmv1r.v v15, v16")
        g.group(f"carry edges e{sew} (2)")


def _compare_edges(g: Gen) -> None:
    """Compares of equal elements, of all ones against -1 and 0 (signed and unsigned differ),
    with vd = v0 masked, at each SEW (m1, VLMAX)."""
    for sew in SEWS:
        g.emit(f"vsetvli t0, zero, e{sew}, m1, ta, mu", "vmv.v.i v20, -1", "li a1, -1")
        g.emit("vl8re8.v v8, (s4)", "vmseq.vv v8, v16, v16", "vmsle.vv v9, v16, v16")
        g.emit("vmslt.vv v10, v16, v16", "vmseq.vx v11, v20, a1", "vmsleu.vi v12, v20, -1")
        g.emit("vmsgt.vi v13, v20, -1", "vmsltu.vx v14, v20, zero", "vmslt.vx v15, v20, zero")
        g.group(f"compare edges e{sew}")
        g.emit("vl8re8.v v8, (s4)", "vmsgtu.vi v8, v20, 0", "vmsle.vi v9, v20, -1")
        g.emit("vmsne.vx v10, v20, a1", "vmsleu.vv v11, v20, v16", "vmsgtu.vx v12, v20, a1")
        g.emit("vmv1r.v v21, v0", "vmslt.vv v0, v20, v16, v0.t", "vmv1r.v v13, v0")
        g.emit("vmv1r.v v0, v21")
        g.group(f"compare edges e{sew} (2)")
        # m2, VLMAX: vd the first register of a source (the whole-group paths read every
        # source before writing vd); min/max and shifts with vd = vs2
        g.emit(f"vsetvli t0, zero, e{sew}, m2, ta, mu", "vl8re8.v v8, (s4)", "li a1, 5")
        g.emit("vmslt.vv v8, v8, v10", "vmsltu.vv v12, v14, v12", "vmsgt.vx v9, v12, a1")
        g.emit("vl8re8.v v16, (s4)", "vmax.vv v16, v16, v18", "vminu.vx v18, v18, a1")
        g.emit("vsra.vx v20, v20, a1", "vsll.vi v22, v22, 3")
        g.group(f"compare overlaps e{sew} m2")


# vtype immediates: every 8-bit one (reserved SEW and LMUL included) and some with bits 8..10
VTYPES = [*range(256), 0x100, 0x200, 0x400, 0x7FF, 0x10B]
AVLS = [0, 1, 5, 16, 17, 1000, (1 << 64) - 1]


def _vset_cases(g: Gen) -> None:
    """vl, vtype and rd after vsetvli / vsetivli / vsetvl over vtypes and AVLs, and the x0 forms
    (rs1 = x0: VLMAX, or with rd = x0 too the current vl as the AVL)."""
    for vt in VTYPES:
        for avl in AVLS if vt < 64 else AVLS[1:3]:
            g.emit(f"li a0, {avl}", f"vsetvli t0, a0, {vt}", "csrr t1, vl", "csrr t2, vtype")
            for r in ("t0", "t1", "t2"):
                g.record(r, f"vsetvli avl={avl} vtype={vt:#x}: {r}")
        if vt < 0x400:
            g.emit(f"vsetivli t0, 13, {vt}", "csrr t2, vtype")
            g.record("t0", f"vsetivli 13 vtype={vt:#x}: vl")
            g.record("t2", f"vsetivli 13 vtype={vt:#x}: vtype")
        g.emit(f"vsetvli t0, zero, {vt}", "csrr t2, vtype")
        g.record("t0", f"vsetvli x0 vtype={vt:#x}: vl")
        g.record("t2", f"vsetvli x0 vtype={vt:#x}: vtype")
    for first in (0x18, 0x10, 0x0B, 0x5):  # keep vl (the AVL is the current vl)
        for vt in (0x00, 0x08, 0x1B, 0x13, 0x05, 0xC0):
            g.emit("li a0, 37", f"vsetvli t0, a0, {first}", f"vsetvli zero, zero, {vt}")
            g.emit("csrr t1, vl", "csrr t2, vtype")
            g.record("t1", f"vsetvli x0,x0 {vt:#x} after {first:#x}: vl")
            g.record("t2", f"vsetvli x0,x0 {vt:#x} after {first:#x}: vtype")
    for rs2 in (0x08, 0xD1, 1 << 63 | 0x08, 1 << 8, 1 << 62, 0x1F, 0x04):
        for avl in (3, 40):
            g.emit(f"li a0, {avl}", f"li a1, {rs2}", "vsetvl t0, a0, a1", "csrr t2, vtype")
            g.record("t0", f"vsetvl avl={avl} vtype={rs2:#x}: vl")
            g.record("t2", f"vsetvl avl={avl} vtype={rs2:#x}: vtype")
        g.emit("li a1, 0x10", "vsetvl t0, zero, a1")
        g.record("t0", "vsetvl x0 vtype=0x10: vl")


def _csr_cases(g: Gen) -> None:
    """The read-write vector CSRs keep their fields only; vcsr is vxrm << 1 | vxsat."""
    for csr in ("vxrm", "vxsat", "vcsr", "vstart"):
        for v in (0, 1, 2, 3, 7, 0x1FF, -1):
            g.emit(f"li a0, {v}", f"csrw {csr}, a0")
            for r in ("vxrm", "vxsat", "vcsr", "vstart"):
                g.emit(f"csrr t0, {r}")
                g.record("t0", f"csrw {csr} {v}: {r}")
            g.emit("csrwi vstart, 0")
    g.emit("csrwi vxrm, 2", "csrsi vxsat, 1", "csrr t0, vcsr")
    g.record("t0", "csrwi/csrsi: vcsr")
    g.emit("csrci vcsr, 4", "csrr t0, vcsr")
    g.record("t0", "csrci vcsr: vcsr")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vec") / "vec.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    return elf, what, ref


_run = vecgen.run
# the vector test files: each exports COVERED, the table rows its program runs
VECTOR_TESTS = sorted(p.stem for p in Path(__file__).parent.glob("test_vector*.py"))


def test_cases_cover_the_tables_vector_rows() -> None:
    covered: set[str] = set()
    for name in VECTOR_TESTS:
        mod = importlib.import_module(name)
        assert not covered & set(mod.COVERED), name  # (each row in one file)
        covered |= set(mod.COVERED)
    assert covered == {r.mnemonic for r in ROWS if r.ext == "V" or r.ext.startswith("Zv")}


@pytest.mark.parametrize("tier", TIERS)
def test_each_vector_instruction_matches_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


# Each program must die with SIGILL (132) at its last line under qemu 10 and tbwasm.
ILLEGAL = {
    "vill at start": ["vadd.vv v1, v2, v3"],
    "vill after a reserved vtype": ["li a0, 4", "vsetvli t0, a0, 0x4", "vle8.v v1, (sp)"],
    "misaligned vd": ["vsetvli t0, zero, e8, m2, ta, ma", "vadd.vv v1, v2, v4"],
    "misaligned vs2": ["vsetvli t0, zero, e16, m4, ta, ma", "vxor.vx v4, v6, a0"],
    "misaligned vs1": ["vsetvli t0, zero, e32, m8, ta, ma", "vsub.vv v8, v16, v4"],
    "masked vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vadd.vi v0, v1, 3, v0.t"],
    "masked load vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vle8.v v0, (sp), v0.t"],
    "SEW > LMUL * ELEN is vill": ["vsetvli t0, zero, e64, mf2, ta, ma", "vle8.v v1, (sp)"],
    "EMUL above 8": ["vsetvli t0, zero, e8, m2, ta, ma", "vle64.v v8, (sp)"],
    "misaligned load group": ["vsetvli t0, zero, e8, m1, ta, ma", "vle32.v v2, (sp)"],
    "misaligned whole load": ["vl2re8.v v3, (sp)"],
    "misaligned whole move": ["vmv4r.v v4, v2"],
    "write to vl": ["csrw vl, zero"],
    "write to vlenb": ["csrwi vlenb, 1"],
    "vmv.x.s with vill": ["vmv.x.s a0, v1"],
    "vid.v masked vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vid.v v0, v0.t"],
    "vadc vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vadc.vvm v0, v2, v4, v0"],
    "vmerge vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vmerge.vim v0, v2, 3, v0"],
    "vmadc vd inside vs2": ["vsetvli t0, zero, e8, m2, ta, ma", "vmadc.vv v3, v2, v4"],
    "vmsbc vd inside vs1": ["vsetvli t0, zero, e8, m4, ta, ma", "vmsbc.vvm v6, v8, v4, v0"],
    "misaligned vsbc vs1": ["vsetvli t0, zero, e8, m2, ta, ma", "vsbc.vvm v2, v4, v7, v0"],
    "vmseq vd inside vs2": ["vsetvli t0, zero, e16, m2, ta, ma", "vmseq.vi v5, v4, 1"],
    "vmslt vd inside vs1": ["vsetvli t0, zero, e8, m8, ta, ma", "vmslt.vv v9, v16, v8, v0.t"],
    "misaligned vmsgt vs2": ["vsetvli t0, zero, e8, m4, ta, ma", "vmsgt.vx v1, v2, a0"],
    # a masked instruction may not read v0 as a source of SEW-wide elements (qemu 10)
    "masked vadd vs2 = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vadd.vv v8, v0, v1, v0.t"],
    "masked vsll vs1 = v0": ["vsetvli t0, zero, e32, m1, ta, ma", "vsll.vv v8, v1, v0, v0.t"],
    "vmerge vs2 = v0": ["vsetvli t0, zero, e16, m1, ta, ma", "vmerge.vxm v8, v0, a0, v0"],
    "masked vslidedown vs2 = v0": [
        "vsetvli t0, zero, e8, m1, ta, ma",
        "vslidedown.vx v8, v0, a0, v0.t",
    ],
    "masked vsadd vs2 = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vsadd.vv v8, v0, v1, v0.t"],
    "masked vnclip vs1 = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vnclip.wv v8, v2, v0, v0.t"],
    "masked vrgather vs1 = v0": [
        "vsetvli t0, zero, e8, m1, ta, ma",
        "vrgather.vv v8, v1, v0, v0.t",
    ],
}


_exiting = vecgen.exiting


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_vector_cases(name: str, tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)


# Vector encodings without a row: reserved ones, and extensions tbwasm does not implement
# (Zvkned): SIGILL in tbwasm, never anything else.
NOT_YET = [".4byte 0xfe2180d7",  # OPIVV funct6 111111: reserved
           ".4byte 0xa221a0d7"]  # vaesef.vv v1, v2 (Zvkned, not implemented)  # fmt: skip


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_vector_encodings_not_implemented_yet_are_sigill(tier: str, tmp_path: Path) -> None:
    for insn in NOT_YET:
        src = _exiting(["vsetvli t0, zero, e8, m1, ta, ma", insn])
        elf = tmp_path / "notyet.elf"
        rvrun.build(src, elf, MARCH)
        got = _run(elf, tier)
        assert got.returncode == 132, (insn, got.stderr.decode()[-2000:])


# a0 = 8 bytes before an unmapped page, vl = 8 (e32, m2): what each access does there
SEGV = {"vle32.v v2, (a0)": 139, "vse32.v v2, (a0)": 139, "vl1re8.v v2, (a0)": 139,
        "vse8.v v2, (a0)": 0, "vle16.v v2, (a0), v0.t": 139}  # fmt: skip


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("insn", sorted(SEGV))
def test_vector_access_to_an_unmapped_page(insn: str, tier: str, tmp_path: Path) -> None:
    """SIGSEGV when an element is on the unmapped page, as under qemu 10."""
    vecgen.need_qemu10()
    mask = ["li t1, 0x55", "vsetvli t0, zero, e8, m1, ta, ma", "vmv.v.x v0, t1"]
    lines = [*vecgen.NEAR_UNMAPPED_PAGE, *mask, "vsetvli t0, zero, e32, m2, ta, ma", insn]
    vecgen.check_status(lines, SEGV[insn], tier, tmp_path)


# An autovectorized C program: clang-16 turns these loops into vsetvli, vle/vse, vadd/vxor
# (and the whole-register moves and CSR reads around them); only what tbwasm implements.
C_PROGRAM = r"""
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define N 1003
static uint8_t a[N], b[N], c[N];
static uint32_t w[N], x[N], y[N];
static uint64_t d[N], e[N];

__attribute__((noinline)) static void add8(uint8_t *r, const uint8_t *p, const uint8_t *q, int n) {
    for (int i = 0; i < n; i++) r[i] = p[i] + q[i];
}
__attribute__((noinline)) static void xor32(uint32_t *r, const uint32_t *p, uint32_t k, int n) {
    for (int i = 0; i < n; i++) r[i] = p[i] ^ k;
}
__attribute__((noinline)) static void sub64(uint64_t *r, const uint64_t *p, int n) {
    for (int i = 0; i < n; i++) r[i] = 12345 - p[i];
}
__attribute__((noinline)) static void copy(uint8_t *r, const uint8_t *p, int n) {
    for (int i = 0; i < n; i++) r[i] = p[i];
}

int main(void) {
    /* (the set-up and the checksum stay scalar: vectorized, they need vid.v and vmul) */
#pragma clang loop vectorize(disable)
    for (int i = 0; i < N; i++) {
        a[i] = (uint8_t)(i * 7 + 3); b[i] = (uint8_t)(i * 13);
        x[i] = (uint32_t)i * 2654435761u; d[i] = (uint64_t)i * 0x9E3779B97F4A7C15ull;
    }
    uint64_t h = 1469598103934665603ull;
    for (int n = 0; n < N; n += 97) {
        add8(c, a, b, n);
        xor32(w, x, 0xA5A5F00Fu + n, n);
        sub64(e, d, n);
        copy(a, c, n / 2);
#pragma clang loop vectorize(disable)
        for (int i = 0; i < N; i++) h = (h ^ c[i] ^ w[i] ^ e[i] ^ a[i]) * 1099511628211ull;
    }
    printf("%016llx\n", (unsigned long long)h);
    return 0;
}
"""
CLANG = "clang-16"
CLANG_FLAGS = [
    "--target=riscv64-linux-gnu", "-march=rv64gcv", "-O3", "--sysroot=/usr/riscv64-linux-gnu",
    "-fuse-ld=lld", "-static",
]  # fmt: skip


@pytest.fixture(scope="module")
def autovec(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    if shutil.which(CLANG) is None:
        pytest.fail("clang-16 missing (apt-get install clang-16 lld-16)")
    vecgen.need_qemu10()
    d = tmp_path_factory.mktemp("autovec")
    (d / "autovec.c").write_text(C_PROGRAM)
    elf = d / "autovec.elf"
    subprocess.run([CLANG, *CLANG_FLAGS, str(d / "autovec.c"), "-o", str(elf)], check=True)
    dis = subprocess.run(
        ["llvm-objdump-16", "-d", "--mattr=+v", str(elf)], capture_output=True, text=True
    ).stdout
    for insn in ("vsetvli", "vadd.vv", "vxor.vx", "vrsub.vx", "vl1r.v", "vs1r.v", "vl1re32.v"):
        assert f"\t{insn}\t" in dis, insn  # it did vectorize
    ref = rvrun.run_qemu(elf, ext=True, cpu=VCPU)
    assert ref.status == 0 and ref.stdout, ref.message
    return elf, ref.stdout


@pytest.mark.parametrize("tier", TIERS)
def test_autovectorized_c_matches_qemu10(autovec: tuple[Path, bytes], tier: str) -> None:
    elf, ref = autovec
    got = _run(elf, tier)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    assert got.stdout == ref


# The benchmark's kernels (guests/src/ext/vec_kernels.c: saxpy, dot, widening multiply,
# reductions, masked, strided, gather, ...), autovectorized by clang-16: a few iterations each.
KERNELS = ("saxpy", "dot", "widen", "reduce", "masked", "strided", "gather", "histogram", "memcpy")


@pytest.fixture(scope="module")
def kernels_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which(CLANG) is None:
        pytest.fail("clang-16 missing (apt-get install clang-16 lld-16)")
    vecgen.need_qemu10()
    elf = tmp_path_factory.mktemp("kernels") / "vec_kernels.elf"
    src = helpers.REPO_ROOT / "guests" / "src" / "ext" / "vec_kernels.c"
    subprocess.run([CLANG, *CLANG_FLAGS, str(src), "-o", str(elf)], check=True)
    return elf


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_autovectorized_kernels_match_qemu10(kernels_elf: Path, tier: str) -> None:
    for kernel in KERNELS:
        want = subprocess.run(
            [str(helpers.qemu10()), "-cpu", VCPU, str(kernels_elf), kernel, "3"],
            capture_output=True,
            timeout=120,
        )
        assert want.returncode == 0 and want.stdout.startswith(kernel.encode()), want.stderr
        cmd = [*helpers.tbwasm_command(kernels_elf)[:4], "--tier", tier]
        got = subprocess.run(
            [*cmd, str(kernels_elf), kernel, "3"],
            capture_output=True,
            env=helpers.host_env(),
            timeout=600,
        )
        assert got.returncode == 0, (kernel, got.stderr.decode()[-2000:])
        assert got.stdout == want.stdout, kernel


# A function whose vector code runs under its caller's vtype: the JIT specializes its TB on the
# vtype the guest runs under when it is translated (e32, m1 here, tiered too: phase 1 passes the
# hot threshold), behind a guard; called later under other vtypes, the guard must send it to
# the code translated without that assumption.
def _vtype_guard_program() -> Gen:
    g = Gen()
    g.emit("j 9f", "7:", "vadd.vv v8, v8, v10", "vxor.vv v12, v12, v8", "vmv.v.v v14, v10", "ret")
    g.emit("9:", "vl8re8.v v8, (s4)")
    phases = [("e32", "m1", 4, 60000), ("e8", "m2", 17, 400), ("e64", "m1", 1, 50)]
    phases += [("e16", "mf2", 3, 50), ("e32", "m1", 3, 200)]
    for k, (sew, lmul, avl, count) in enumerate(phases):
        g.emit(f"li s6, {count}", f"li a0, {avl}", f"{k + 1}:", f"vsetvli t0, a0, {sew}, {lmul}")
        g.emit("call 7b", "addi s6, s6, -1", f"bnez s6, {k + 1}b")
        g.group(f"{count} calls under {sew},{lmul} vl {avl}")
    return g


@pytest.fixture(scope="module")
def vtype_guard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    g = _vtype_guard_program()
    elf = tmp_path_factory.mktemp("vtype_guard") / "guard.elf"
    return elf, g.what, vecgen.reference(g, elf)


@pytest.mark.parametrize("tier", TIERS)
def test_code_specialized_on_a_vtype_runs_under_others(
    vtype_guard: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*vtype_guard, tier)
