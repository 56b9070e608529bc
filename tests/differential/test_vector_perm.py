"""The vector mask and permutation instructions (RVV 1.0, VLEN = 128) against qemu 10.

One generated guest program (see vecgen) runs the mask-register logical instructions, vcpop.m,
vfirst.m, vmsbf/vmsif/vmsof.m, viota.m, the slides, the register gathers and vcompress.vm
over every SEW with a fractional LMUL (where qemu accepts one), m1 or m2 and m8, at vl 0, 1,
partial and VLMAX, unmasked (tu, and ta at the partial vl) and masked; then edges at VLMAX:
offsets and indices of all ones, at VLMAX - 1 and VLMAX, in-range gathers, masks with no bit
set and with the first one inside, in-place slide-downs, the vmmv/vmnot/vmclr/vmset aliases.
The reserved overlaps, misaligned groups and a vstart the instruction needs at 0 are SIGILL
(as in qemu 10).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import SCALAR, SEWS, TIERS, VCPU, Gen, legal, vlmax, vls

pytestmark = pytest.mark.all_tiers

LOGICAL = [f"vm{op}.mm" for op in ("and", "nand", "andn", "xor", "or", "nor", "orn", "xnor")]
SET_FIRST = ["vmsbf.m", "vmsif.m", "vmsof.m"]
SLIDES = ["vslideup.vx", "vslideup.vi", "vslidedown.vx", "vslidedown.vi"]
SLIDES += ["vslide1up.vx", "vslide1down.vx"]
GATHERS = ["vrgather.vv", "vrgather.vx", "vrgather.vi", "vrgatherei16.vv"]
COVERED = [*LOGICAL, "vcpop.m", "vfirst.m", *SET_FIRST, "viota.m", *SLIDES, *GATHERS]
COVERED += ["vcompress.vm"]
# .vx offsets/indices (cycled over the cases) and .vi ones
OFFSETS = (1, 3, 0, 17, -1, 2)
UIMMS = (0, 1, 5, 31, 2)
# v24 = the pattern again (the cases that set up indices there put it back)
RESTORE_V24 = ("addi t2, s5, 384", "vl8re8.v v24, (t2)")


def _lmuls(sew: int) -> list[str]:
    """The smallest fractional LMUL qemu accepts at this SEW, m1 (m2 at e32/e64) and m8."""
    frac = next((m for m in ("mf8", "mf4", "mf2") if legal(sew, m)), None)
    return [m for m in (frac, "m1" if sew < 32 else "m2", "m8") if m]


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()
    n = 0
    for sew in SEWS:
        for lmul in _lmuls(sew):
            m = vlmax(sew, lmul)
            for avl in vls(sew, lmul):
                variants = [("tu", ""), ("tu", ", v0.t")]
                if 1 < avl < m:
                    variants.append(("ta", ""))
                for tail, vm in variants:
                    case = f"e{sew} {lmul} avl={avl} {tail}{vm}"
                    n += 1
                    _vector_cases(g, sew, lmul, avl, tail, vm, case, n)
                    if tail == "tu":
                        _mask_cases(g, sew, lmul, avl, vm, case)
    for sew in SEWS:
        _edges(g, sew)
    return g.source(), g.what


def _vector_cases(
    g: Gen, sew: int, lmul: str, avl: int, tail: str, vm: str, case: str, n: int
) -> None:
    """The instructions with a vector destination: vd = v8, vs2 = v16, vs1 = v24."""
    for k, op in enumerate(SLIDES + GATHERS):
        off = OFFSETS[(n + k) % len(OFFSETS)]
        if op == "vrgatherei16.vv" and 16 / sew * vecgen.LMUL_VALUE[lmul] > 8:
            continue  # (EMUL 16: illegal)
        g.setup(sew, lmul, avl, tail)
        if op.endswith(".vx"):
            g.emit(f"li a1, {SCALAR if op.startswith('vslide1') else off}")
            g.emit(f"{op} v8, v16, a1{vm}")
        elif op.endswith(".vi"):
            g.emit(f"{op} v8, v16, {UIMMS[(n + k) % len(UIMMS)]}{vm}")
        else:
            g.emit(f"{op} v8, v16, v24{vm}")
        g.group(f"{op} {case}")
        if op.endswith(".vv"):  # in-range indices too: vid ^ 5
            g.setup(sew, lmul, avl, tail)
            width = 16 if op == "vrgatherei16.vv" else sew
            g.emit(f"vsetvli t1, zero, e{width}, m8, ta, mu", "vid.v v24", "vxor.vi v24, v24, 5")
            g.emit(f"vsetvli t0, a0, e{sew}, {lmul}, {tail}, mu", f"{op} v8, v16, v24{vm}")
            g.emit(*RESTORE_V24)
            g.group(f"{op} (vid ^ 5) {case}")
    g.setup(sew, lmul, avl, tail)
    g.emit(f"viota.m v8, v17{vm}")
    g.group(f"viota.m {case}")
    if not vm:
        g.setup(sew, lmul, avl, tail)
        g.emit("vcompress.vm v8, v16, v24")
        g.group(f"vcompress.vm {case}")


def _mask_cases(g: Gen, sew: int, lmul: str, avl: int, vm: str, case: str) -> None:
    """The instructions reading masks: mask destination v8, sources v16 and v17 (or v24)."""
    g.setup(sew, lmul, avl, "tu")
    if not vm:
        for op in LOGICAL:
            g.emit(f"{op} v8, v16, v24")
        g.emit("vmand.mm v9, v16, v9", "vmxnor.mm v10, v10, v17")
    for k, op in enumerate(SET_FIRST):
        g.emit(f"{op} v{11 + k}, v{17 + k}{vm}")
    g.group(f"mask ops {case}")
    g.emit(f"vcpop.m a3, v17{vm}", f"vfirst.m a4, v18{vm}")
    g.record("a3", f"vcpop.m {case}")
    g.record("a4", f"vfirst.m {case}")


def _edges(g: Gen, sew: int) -> None:
    """At VLMAX (LMUL m1, m8 at e64): offsets and indices of all ones, VLMAX - 1 and VLMAX;
    in-place slide-downs; the set-first family, viota, vcpop, vfirst over an empty mask and one
    whose first bit is at 3 (unmasked and masked); vcompress under v0; the mask aliases."""
    lmul = "m8" if sew == 64 else "m1"
    m = vlmax(sew, lmul)
    for x in (-1, m - 1, m, 1 << 32):
        for op in ("vslideup.vx", "vslidedown.vx", "vrgather.vx"):
            g.setup(sew, lmul, m, "tu")
            g.emit(f"li a1, {x}", f"{op} v8, v16, a1")
            g.group(f"{op} x={x} e{sew}")
    g.setup(sew, lmul, m, "tu")
    g.emit("vmv8r.v v8, v16" if sew == 64 else "vmv1r.v v8, v16")
    g.emit("li a1, 2", "vslidedown.vx v8, v8, a1, v0.t")
    if sew < 64:
        g.emit("vmv1r.v v9, v16", f"li a1, {SCALAR}", "vslide1down.vx v9, v9, a1")
        g.emit("vmv1r.v v10, v16", "vslidedown.vi v10, v10, 31")
    g.group(f"in-place slide-downs e{sew}")
    # v21 = the mask k > 2 (first bit 3), v22 = no bit set
    g.emit(f"vsetvli t0, zero, e{sew}, {lmul}, ta, mu", "vid.v v8")
    g.emit("vmsgtu.vi v21, v8, 2", "vmclr.m v22")
    g.setup(sew, lmul, m, "tu")
    for k, src in enumerate(("v21", "v22")):
        g.emit(f"vmsbf.m v{8 + k}, {src}", f"vmsif.m v{10 + k}, {src}", f"vmsof.m v{12 + k}, {src}")
        g.emit(f"vcpop.m a3, {src}", f"vfirst.m a4, {src}", f"vfirst.m a5, {src}, v0.t")
        g.record("a3", f"vcpop.m edge {src} e{sew}")
        g.record("a4", f"vfirst.m edge {src} e{sew}")
        g.record("a5", f"vfirst.m edge {src} masked e{sew}")
    g.emit("vmsif.m v14, v21, v0.t", "vmsof.m v15, v21, v0.t")
    g.group(f"set-first edges e{sew}")
    g.setup(sew, lmul, m, "tu")
    if sew < 64:
        g.emit("viota.m v8, v21", "viota.m v9, v22, v0.t", "vcompress.vm v10, v16, v0")
        g.emit("vmmv.m v11, v17", "vmnot.m v12, v17", "vmclr.m v13", "vmset.m v14")
        g.emit("vmnand.mm v15, v15, v15")
    else:
        g.emit("viota.m v8, v21, v0.t")
    g.group(f"iota, compress, aliases e{sew}")
    if sew == 16:  # from vstart (the instruction puts it back to 0)
        g.setup(sew, lmul, m, "tu")
        g.emit("csrwi vstart, 3", "vmxor.mm v8, v16, v24", "csrwi vstart, 2")
        g.emit("vslideup.vi v9, v17, 1, v0.t", "csrwi vstart, 5", "vrgather.vi v10, v18, 3")
        g.emit("csrwi vstart, 1", "vslide1down.vx v11, v19, a1", "csrwi vstart, 9")
        g.emit("vmnor.mm v12, v16, v24", "csrr a3, vstart")
        g.group(f"from vstart e{sew}")
        g.record("a3", "vstart after")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vperm") / "vperm.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, vecgen.MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_mask_and_permutation_instructions_match_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


# Each program must die with SIGILL (132) at its last line under qemu 10 and tbwasm.
E8M1 = "vsetvli t0, zero, e8, m1, ta, ma"
E8M2 = "vsetvli t0, zero, e8, m2, ta, ma"
ILLEGAL = {
    "vcpop.m vstart != 0": [E8M1, "csrwi vstart, 1", "vcpop.m a0, v2"],
    "vmsbf.m vd = vs2": [E8M1, "vmsbf.m v2, v2"],
    "viota.m vd group holds vs2": ["vsetvli t0, zero, e8, m4, ta, ma", "viota.m v4, v6"],
    "vslideup.vx vd = vs2 (m2)": ["vsetvli t0, zero, e16, m2, ta, ma", "vslideup.vx v4, v4, a0"],
    "vrgatherei16 EMUL 16": ["vsetvli t0, zero, e8, m8, ta, ma", "vrgatherei16.vv v8, v16, v24"],
    "vrgatherei16 vd overlaps vs1": [E8M1, "vrgatherei16.vv v3, v4, v2"],
    "vcompress.vm vd group holds vs1": [E8M2, "vcompress.vm v2, v4, v3"],
}


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_mask_and_permutation_cases(name: str, tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)
