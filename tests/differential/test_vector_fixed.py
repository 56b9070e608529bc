"""The vector fixed-point instructions and the integer reductions, against qemu 10.

One generated guest program runs each instruction over every SEW and LMUL qemu accepts with it,
at vl = 1 (0 at m1), a partial vl and VLMAX, unmasked and masked, tail undisturbed (and
agnostic for some), with the rounding mode vxrm cycling through rnu, rne, rdn and rod, and
records the destination group v8..v15 and, after the instructions that can saturate, vxsat
(cleared before each). Then edge values (signed minimum and maximum, all ones, 0, 1, the
half-way cases of each rounding mode) under every vxrm at each SEW. Other tests: the illegal
cases (misaligned groups, masked vd = v0, narrowing at SEW = 64 or LMUL = 8, vd inside the
high part of a narrowing source, widening reductions at SEW = 64, reductions with vstart != 0).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import LMULS, SCALAR, SEWS, TIERS, VCPU, Gen, legal, vlmax

pytestmark = pytest.mark.all_tiers
MARCH = vecgen.MARCH

SAT = [f"v{op}.{k}" for op in ("saddu", "sadd", "ssubu", "ssub") for k in ("vv", "vx")]
SAT += ["vsaddu.vi", "vsadd.vi", "vsmul.vv", "vsmul.vx"]
AVG = [f"v{op}.{k}" for op in ("aaddu", "aadd", "asubu", "asub") for k in ("vv", "vx")]
SHIFTS = [f"v{op}.{k}" for op in ("ssrl", "ssra") for k in ("vv", "vx", "vi")]
NCLIP = [f"v{op}.{k}" for op in ("nclipu", "nclip") for k in ("wv", "wx", "wi")]
REDS = [f"vred{op}.vs" for op in ("sum", "and", "or", "xor", "minu", "min", "maxu", "max")]
WREDS = ["vwredsumu.vs", "vwredsum.vs"]
COVERED = SAT + AVG + SHIFTS + NCLIP + REDS + WREDS
# the ones that can saturate: vxsat is recorded after them
SATURATING = set(SAT + NCLIP)
SIMMS = (-16, -1, 0, 5, 15)
UIMMS = (0, 1, 3, 7, 31)


def _vls(sew: int, lmul: str) -> list[int]:
    """vl = 0 (at m1; else 1), a partial vl and VLMAX (an AVL above it)."""
    m = vlmax(sew, lmul)
    return sorted({0 if lmul == "m1" else 1, max(1, m // 2 + 1), m + 3})


def _operands(op: str, n: int) -> tuple[list[str], str]:
    """(set-up lines, the operands after vd) of `op` at case number n; vs2 = v16, vs1 = v24."""
    kind = op.split(".")[1]
    if kind in ("vx", "wx"):
        amount = SCALAR >> (n * 7 % 61)
        return [f"li a1, {amount}"], "v16, a1"
    if kind == "vi":
        imm = UIMMS[n % 5] if op.startswith(("vssrl", "vssra")) else SIMMS[n % 5]
        return [], f"v16, {imm}"
    if kind == "wi":
        return [], f"v16, {UIMMS[n % 5]}"
    return [], "v16, v24"


def _run_case(g: Gen, op: str, n: int, vm: str, name: str) -> None:
    lines, ops = _operands(op, n)
    g.emit(f"csrwi vxrm, {n % 4}", "csrwi vxsat, 0", *lines, f"{op} v8, {ops}{vm}")
    g.group(f"{name} vxrm={n % 4}")
    if op in SATURATING:
        g.emit("csrr t0, vxsat")
        g.record("t0", f"{name} vxrm={n % 4}: vxsat")


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()
    n = 0
    for sew in SEWS:
        for lmul in LMULS:
            if not legal(sew, lmul):
                continue
            for avl in _vls(sew, lmul):
                for tail, vm in (("tu", ""), ("tu", ", v0.t"), ("ta", "")):
                    case = f"e{sew} {lmul} avl={avl} {tail}{vm}"
                    for op in COVERED:
                        if tail == "ta" and op not in ("vsadd.vv", "vnclip.wv", "vredsum.vs"):
                            continue
                        if op in NCLIP and (sew == 64 or lmul == "m8"):
                            continue
                        if op in WREDS and sew == 64:
                            continue
                        n += 1
                        g.setup(sew, lmul, avl, tail)
                        _run_case(g, op, n, vm, f"{op} {case}")
    _edges(g)
    _reduction_cases(g)
    return g.source(), g.what


def _edge_values(sew: int) -> tuple[list[int], list[int]]:
    """Element values (at SEW, as unsigned) for vs2 and vs1: the signed minimum and maximum,
    all ones, 0, 1 and small values whose low bits are half-way cases of the shifts."""
    m = (1 << sew) - 1
    lo, hi = 1 << (sew - 1), (1 << (sew - 1)) - 1
    a = [lo, hi, m, 0, 1, lo + 1, 3, 5, 6, 7, lo, m, hi, 2, lo, 0x55 & m]
    a += [m - 1, hi - 1, 0xA, 0xB, 0x16, lo | 3, m ^ 4, 0x18, lo, hi, m, 1, lo + 2, 9, 0xC, 0xE]
    b = [lo, 1, m, lo, m, hi, 1, 2, 1, 2, m, 1, hi, 1, hi, 3]
    b += [2, m, 2, 2, 3, 2, 3, 4, hi, m, 1, lo, lo, 3, 2, 3]
    return a, b


def _fill(g: Gen, reg: int, values: list[int], sew: int) -> None:
    """Registers v`reg`..v`reg + 7` = `values` (cycled) at SEW, through the stack."""
    data = b"".join(
        values[k % len(values)].to_bytes(sew // 8, "little") for k in range(1024 // sew)
    )
    for k in range(0, 128, 8):
        g.emit(f"li t1, {int.from_bytes(data[k : k + 8], 'little')}", f"sd t1, {k}(sp)")
    g.emit(f"vl8re8.v v{reg}, (sp)")


def _edges(g: Gen) -> None:
    """Edge values at each SEW (m4, VLMAX for the single-width instructions, m2 for the
    narrowing ones) under each vxrm: vs2 = v16.., vs1 = v24..; the scalar forms with amounts
    1, 2, SEW - 1 and all ones."""
    g.emit("addi sp, sp, -128")
    for sew in SEWS:
        a, b = _edge_values(sew)
        _fill(g, 16, a, sew)
        _fill(g, 24, b, sew)
        for rm in range(4):
            for op in SAT + AVG + SHIFTS + NCLIP:
                narrow = op in NCLIP
                if narrow and sew == 64:
                    continue
                lmul = "m2" if narrow else "m4"
                second = ["v24"]
                if op.endswith((".vx", ".wx")):
                    second = ["a1"]
                elif op.endswith((".vi", ".wi")):
                    second = ["1", "3", "31"] if op.startswith(("vss", "vnc")) else ["-1", "15"]
                for s in second:
                    amounts = [1, 2, sew - 1, -1] if s == "a1" else [0]
                    for amount in amounts:
                        g.emit(f"vsetvli t0, zero, e{sew}, {lmul}, ta, mu", "vl8re8.v v8, (s4)")
                        g.emit(f"li a1, {amount}", f"csrwi vxrm, {rm}", "csrwi vxsat, 0")
                        g.emit(f"{op} v8, v16, {s}", "csrr t0, vxsat")
                        what = f"edges e{sew} vxrm={rm} {op} {s} a1={amount}"
                        g.group(what)
                        g.record("t0", f"{what}: vxsat")
    g.emit("addi sp, sp, 128")
    g.load_all()


def _reduction_cases(g: Gen) -> None:
    """Reductions with vd = vs1 = vs2's first register, vd = v0 (masked), all elements masked
    off (vd[0] = vs1[0]); vxsat sticky (set before, not cleared by an instruction that does
    not saturate); narrowing clips whose vd is the first register of vs2; vstart != 0."""
    for sew in SEWS:
        g.emit(f"vsetvli t0, zero, e{sew}, m2, tu, mu", "vl8re8.v v8, (s4)")
        g.emit("vredsum.vs v8, v8, v8", "vredmax.vs v9, v10, v9", "vredminu.vs v11, v12, v14")
        g.emit("vmv1r.v v21, v0", "vredxor.vs v0, v12, v13, v0.t", "vmv1r.v v13, v0")
        g.emit("vmv.v.i v0, 0", "vredor.vs v14, v16, v15, v0.t", "vmv1r.v v0, v21")
        if sew < 64:
            g.emit("vwredsum.vs v15, v14, v15, v0.t")
        g.group(f"reduction cases e{sew}")
        g.emit("vl8re8.v v8, (s4)", "csrwi vxsat, 1", "vaadd.vv v8, v16, v24")
        g.emit("vssrl.vi v10, v16, 3", "vsadd.vi v12, v16, 0", "csrr t0, vxsat")
        g.group(f"vxsat sticky e{sew}")
        g.record("t0", f"vxsat sticky e{sew}: vxsat")
    # vd = the first register of a narrowing source (legal)
    g.emit("vsetvli t0, zero, e8, m1, tu, mu", "vl8re8.v v8, (s4)", "vnclip.wi v8, v8, 1")
    g.emit("vsetvli t0, zero, e16, m2, tu, mu", "vnclipu.wv v12, v12, v10")
    g.group("narrowing with vd = vs2")
    # vstart != 0: the elements below it stay
    g.emit("vsetvli t0, zero, e16, m1, tu, mu", "vl8re8.v v8, (s4)", "csrwi vxrm, 1")
    g.emit("csrwi vstart, 3", "vsadd.vv v8, v16, v24", "csrwi vstart, 2")
    g.emit("vnclip.wv v9, v16, v24", "csrwi vstart, 5", "vssrl.vi v10, v16, 3")
    g.emit("csrwi vstart, 7", "vasubu.vx v11, v16, a1, v0.t", "csrr t0, vstart")
    g.group("vstart != 0")
    g.record("t0", "vstart != 0: vstart after")
    g.load_all()


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vfix") / "vfix.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_fixed_point_and_reductions_match_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


_E8M1 = "vsetvli t0, zero, e8, m1, ta, ma"
# Each program must die with SIGILL (132) at its last line under qemu 10 and tbwasm.
ILLEGAL = {
    "misaligned vsadd vd": ["vsetvli t0, zero, e8, m2, ta, ma", "vsadd.vv v1, v2, v4"],
    "masked vaadd vd = v0": [_E8M1, "vaadd.vx v0, v2, a0, v0.t"],
    "vnclip at SEW 64": ["vsetvli t0, zero, e64, m1, ta, ma", "vnclip.wv v1, v2, v3"],
    "vnclipu at LMUL 8": ["vsetvli t0, zero, e8, m8, ta, ma", "vnclipu.wi v8, v16, 1"],
    "misaligned vnclip vs2": [_E8M1, "vnclip.wx v1, v3, a0"],
    "vnclip vd in vs2's high part": ["vsetvli t0, zero, e8, m2, ta, ma", "vnclip.wi v6, v4, 1"],
    "misaligned vredsum vs2": ["vsetvli t0, zero, e8, m2, ta, ma", "vredsum.vs v1, v3, v1"],
    "vredmax with vstart 1": [_E8M1, "csrwi vstart, 1", "vredmax.vs v1, v2, v3"],
    "vwredsum at SEW 64": ["vsetvli t0, zero, e64, m1, ta, ma", "vwredsum.vs v1, v2, v3"],
}


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_fixed_point_and_reduction_cases(name: str, tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)
