"""The vector integer multiply, divide, multiply-add, widening, narrowing and extension
instructions (RVV 1.0, VLEN = 128), against qemu 10 (see vecgen).

One generated guest program runs each instruction over every SEW and LMUL qemu accepts for it
(widening and narrowing: SEW < 64, LMUL <= 4; vzext/vsext.vfN: SEW / N >= 8), at a partial vl
and VLMAX (vl = 0 and 1 at LMUL = 1), unmasked and masked, with ``tu`` (and ``ta`` at LMUL = 1),
and writes v8..v15; then the edge values at each SEW (INT_MIN / -1, division by zero, the high
halves of products of INT_MIN, -1 and all ones, widening of the extremes) and the legal overlaps
of a source with a wider destination. The illegal cases (EEW or EMUL out of range, misaligned
groups, the reserved overlaps, v0 as a source or destination of a masked instruction) must be
SIGILL as under qemu 10.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import LMUL_VALUE, LMULS, SCALAR, SEWS, TIERS, VCPU, Gen, legal, vlmax

pytestmark = pytest.mark.all_tiers
SINGLE = [
    f"v{op}.{k}"
    for op in ("mul", "mulh", "mulhu", "mulhsu", "div", "divu", "rem", "remu")
    for k in ("vv", "vx")
]
MACC = [f"v{op}.{k}" for op in ("macc", "nmsac", "madd", "nmsub") for k in ("vv", "vx")]
WIDEN = [
    f"v{op}.{k}" for op in ("waddu", "wadd", "wsubu", "wsub") for k in ("vv", "vx", "wv", "wx")
]
WIDEN += [f"v{op}.{k}" for op in ("wmulu", "wmul", "wmulsu") for k in ("vv", "vx")]
WMACC = [f"v{op}.{k}" for op in ("wmaccu", "wmacc", "wmaccsu") for k in ("vv", "vx")]
WMACC += ["vwmaccus.vx"]
NARROW = [f"v{op}.{k}" for op in ("nsrl", "nsra") for k in ("wv", "wx", "wi")]
EXT = [f"v{s}ext.vf{n}" for s in "zs" for n in (2, 4, 8)]
COVERED = SINGLE + MACC + WIDEN + WMACC + NARROW + EXT
# .vx scalars: the usual pattern, and the divisors 0 and -1
SCALARS = [SCALAR, 0, -1, SCALAR >> 7, 0x7F, SCALAR >> 29, 1 << 63, 0x8000, 3]


def _insn(op: str, n: int, vm: str) -> list[str]:
    """The lines running `op` (vd = v8, vs2 = v16, vs1 = v24, the scalar a1) with the mask
    suffix `vm`; n picks the scalar or immediate."""
    kind = op.split(".")[1]
    if op in EXT:
        return [f"{op} v8, v16{vm}"]
    if kind == "wi":
        return [f"{op} v8, v16, {(n * 7) % 32}{vm}"]
    mac = op in MACC or op in WMACC
    if kind.endswith("x"):
        li = f"li a1, {SCALARS[n % len(SCALARS)]}"
        return [li, f"{op} v8, a1, v16{vm}" if mac else f"{op} v8, v16, a1{vm}"]
    return [f"{op} v8, v24, v16{vm}" if mac else f"{op} v8, v16, v24{vm}"]


def _accepts(op: str, sew: int, lmul: str) -> bool:
    """Whether qemu 10 runs `op` at this SEW and LMUL (with aligned, apart registers)."""
    if not legal(sew, lmul):
        return False
    if op in EXT:
        return sew // int(op[-1]) >= 8
    if op in WIDEN or op in WMACC or op in NARROW:
        return sew < 64 and LMUL_VALUE[lmul] <= 4
    return True


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()
    n = 0
    for sew in SEWS:
        for lmul in LMULS:
            m = vlmax(sew, lmul) if legal(sew, lmul) else 0
            # a partial vl masked and VLMAX unmasked; at LMUL = 1 also vl = 0, 1 and ta
            cases = [(max(1, m - 1), "tu", ", v0.t"), (m + 3, "tu", "")]
            if lmul == "m1":
                cases += [
                    (0, "tu", ""),
                    (1, "tu", ", v0.t"),
                    (m - 1, "ta", ""),
                    (m, "tu", ", v0.t"),
                ]
            for avl, tail, vm in cases:
                for op in COVERED:
                    if not _accepts(op, sew, lmul):
                        continue
                    n += 1
                    g.setup(sew, lmul, avl, tail)
                    g.emit(*_insn(op, n, vm))
                    g.group(f"{op} e{sew} {lmul} avl={avl} {tail}{vm}")
    _edges(g)
    _overlaps(g)
    _fractional(g)
    _illegal(g)
    return g.source(), g.what


def _edges(g: Gen) -> None:
    """At each SEW (m1, VLMAX): v20 = INT_MIN, v21 = -1, v22 = 0, v23 = vid - 3; a1 = INT_MIN,
    a2 = -1."""
    for sew in SEWS:
        g.emit(f"vsetvli t0, zero, e{sew}, m1, ta, mu", f"li a1, {1 << (sew - 1)}")
        g.emit("vmv.v.x v20, a1", "vmv.v.i v21, -1", "vmv.v.i v22, 0", "vid.v v23")
        g.emit("vadd.vi v23, v23, -3", "li a2, -1", "vl8re8.v v8, (s4)")
        g.emit("vdiv.vv v8, v20, v21", "vrem.vv v9, v20, v21", "vdiv.vv v10, v23, v22")
        g.emit("vdivu.vv v11, v23, v22", "vrem.vv v12, v23, v22", "vremu.vv v13, v20, v22")
        g.emit("vdiv.vx v14, v20, a2", "vrem.vx v15, v23, zero")
        g.group(f"division edges e{sew}")
        g.emit("vl8re8.v v8, (s4)", "vmulh.vv v8, v20, v20", "vmulhu.vv v9, v21, v21")
        g.emit("vmulhsu.vv v10, v21, v21", "vmulhsu.vv v11, v20, v21", "vmulh.vv v12, v23, v20")
        g.emit("vmulhu.vx v13, v23, a2", "vmulh.vx v14, v20, a2", "vmulhsu.vx v15, v23, a1")
        g.group(f"mulh edges e{sew}")
        g.emit("vl8re8.v v8, (s4)", "vdivu.vx v8, v21, a1", "vremu.vx v9, v23, a1")
        g.emit("vdiv.vv v10, v23, v23", "vrem.vv v11, v20, v23", "vdivu.vv v12, v20, v23")
        g.emit("vremu.vv v13, v21, v23", "vmul.vv v14, v20, v21", "vnmsub.vx v15, a2, v20")
        g.group(f"division edges e{sew} (2)")
        if sew == 64:
            continue
        g.emit("vl8re8.v v8, (s4)", "vwmul.vv v8, v20, v20", "vwmulsu.vv v10, v21, v21")
        g.emit("vwmulu.vv v12, v21, v21", "vwsubu.vv v14, v22, v21")
        g.group(f"widening edges e{sew}")
        g.emit("vwmaccsu.vv v8, v21, v21", "vwmaccus.vx v10, a2, v20", "vwsub.wv v12, v8, v20")
        g.emit("vwadd.wx v14, v8, a1")
        g.group(f"widening edges e{sew} (2)")
        g.emit("vnsra.wi v8, v8, 31", "vnsrl.wx v9, v10, a2", "vnsra.wv v10, v12, v23")
        g.emit("vsext.vf2 v11, v20" if sew > 8 else "vmv1r.v v11, v20")
        g.group(f"narrowing edges e{sew}")
    g.load_all()


def _overlaps(g: Gen) -> None:
    """A source that is the highest-numbered part of a wider destination; vd = vs2 of a
    narrowing shift; vd = vs1 of a multiply-add."""
    cases = [
        ("e8, m1", "vwadd.vv v8, v16, v9"),
        ("e16, m2", "vwmulsu.vv v8, v10, v16"),
        ("e8, m4", "vwsub.vx v8, v12, a1"),
        ("e16, m2", "vzext.vf2 v8, v9"),
        ("e32, m4", "vsext.vf4 v8, v11"),
        ("e64, m8", "vsext.vf8 v8, v15"),
        ("e16, m1", "vnsrl.wv v8, v8, v24"),
        ("e8, m2", "vnsra.wx v8, v8, a1"),
        ("e32, m1", "vmacc.vv v8, v8, v16"),
        ("e64, m1", "vmadd.vv v8, v16, v8"),
    ]
    for vt, insn in cases:
        g.emit(f"vsetvli t0, zero, {vt}, tu, mu", "vl8re8.v v8, (s4)", f"li a1, {SCALAR}")
        g.emit(insn)
        g.group(f"{insn} ({vt})")


# v<n> is illegal at vtype vill (vsetvli with SEW > LMUL * ELEN sets it)
VILL = "e64, mf8"
# Illegal cases (vtype, instruction): each must be SIGILL under qemu 10 and tbwasm. The program
# runs them all after installing a SIGILL handler that sets s6 and skips the instruction.
ILLEGAL = {
    "vmulh with vill": (VILL, "vmulh.vv v1, v2, v3"),
    "vzext with vill": (VILL, "vzext.vf2 v2, v4"),
    "vmul masked vd = v0": ("e8, m1", "vmul.vv v0, v2, v3, v0.t"),
    "vmul masked vs2 = v0": ("e8, m1", "vmul.vv v8, v0, v3, v0.t"),
    "vmacc masked vs2 = v0": ("e8, m1", "vmacc.vv v8, v3, v0, v0.t"),
    "vdiv masked vs1 = v0": ("e16, m1", "vdiv.vv v8, v4, v0, v0.t"),
    "vremu misaligned vs1": ("e32, m2", "vremu.vv v2, v4, v7"),
    "vnmsub.vx misaligned vs2": ("e8, m4", "vnmsub.vx v4, a0, v6"),
    "vmulhsu misaligned vd": ("e64, m8", "vmulhsu.vx v4, v8, a0"),
    "vwadd at SEW 64": ("e64, m1", "vwadd.vv v2, v4, v6"),
    "vwmul at LMUL 8": ("e8, m8", "vwmul.vv v0, v8, v16"),
    "vwaddu misaligned vd": ("e8, m1", "vwaddu.vv v3, v4, v6"),
    "vwadd vs2 the low part of vd": ("e8, m1", "vwadd.vv v2, v2, v4"),
    "vwadd vs1 the low part of vd": ("e16, m2", "vwadd.vv v4, v8, v4"),
    "vwsub.vx vs2 = vd, fractional": ("e8, mf2", "vwsub.vx v2, v2, a0"),
    "vwadd.wv vs1 inside vs2": ("e16, m1", "vwadd.wv v2, v4, v5"),
    "vwsubu.wx misaligned vs2": ("e8, m1", "vwsubu.wx v2, v5, a0"),
    "vwaddu.wv masked vs2 = v0": ("e8, mf2", "vwaddu.wv v2, v0, v1, v0.t"),
    "vwmacc vs1 the high part of vd": ("e8, m1", "vwmacc.vv v2, v3, v4"),
    "vwmaccus vs2 the high part of vd": ("e8, m1", "vwmaccus.vx v2, a0, v3"),
    "vwmulsu masked vd = v0": ("e16, m1", "vwmulsu.vx v0, v4, a0, v0.t"),
    "vnsrl vd the high part of vs2": ("e16, m1", "vnsrl.wv v3, v2, v4"),
    "vnsra.wi misaligned vs2": ("e8, m1", "vnsra.wi v1, v3, 1"),
    "vnsrl.wv vs1 inside vs2": ("e16, m1", "vnsrl.wv v4, v2, v3"),
    "vnsrl at SEW 64": ("e64, m1", "vnsrl.wx v1, v2, a0"),
    "vnsra at LMUL 8": ("e8, m8", "vnsra.wi v8, v16, 3"),
    "vnsrl masked vs2 = v0": ("e8, mf4", "vnsrl.wx v1, v0, a0, v0.t"),
    "vzext.vf2 at SEW 8": ("e8, m1", "vzext.vf2 v4, v6"),
    "vsext.vf8 at SEW 32": ("e32, m1", "vsext.vf8 v4, v6"),
    "vzext.vf4 at SEW 16": ("e16, m2", "vzext.vf4 v4, v6"),
    "vzext vd = vs2": ("e16, m2", "vzext.vf2 v4, v4"),
    "vzext.vf4 vs2 inside vd": ("e32, m4", "vzext.vf4 v8, v9"),
    "vsext misaligned vs2": ("e64, m8", "vsext.vf2 v8, v18"),
    "vsext masked vs2 = v0": ("e16, m1", "vsext.vf2 v8, v0, v0.t"),
}
# Their legal neighbours (s6 stays 0)
LEGAL = {
    "vwadd vs1 the high part of vd": ("e8, m1", "vwadd.vv v2, v4, v3"),
    "vwadd.wv vs1 beside vs2": ("e16, m1", "vwadd.wv v2, v4, v6"),
    "vnsrl vd = vs2": ("e16, m1", "vnsrl.wv v2, v2, v4"),
    "vzext.vf2 vs2 the high part of vd": ("e16, m2", "vzext.vf2 v4, v5"),
    "vmul masked, vs1 = v1": ("e8, m1", "vmul.vv v8, v2, v1, v0.t"),
    "vwmacc vs1 beside vd": ("e8, m1", "vwmacc.vv v2, v4, v5"),
}
SIGILL_OFFSET = 176  # the pc in the riscv64 ucontext's uc_mcontext (gregs[0]); x22 at + 22 * 8


def _fractional(g: Gen) -> None:
    """The JIT's whole-group paths at LMUL < 1 (vtype constant): vl = VLMAX (the group's bytes
    of a register read and written alone, two elements a lane at a time; the tail bytes stay),
    after a unit-stride or strided (element stores) load of vs2, and vl = VLMAX - 1 unmasked
    (the element loop); vsext.vf2 at LMUL = 1 (an 8-byte source)."""
    ops = ["vwmacc.vv", "vwmaccu.vx", "vwadd.wv", "vwmul.vv", "vwsubu.vx", "vzext.vf2"]
    for sew, lmul in [(s, m) for s in SEWS for m in ("mf8", "mf4", "mf2", "m1")]:
        m = vlmax(sew, lmul) if legal(sew, lmul) else 0
        for n, op in enumerate([*ops, "vsext.vf2"]):
            if not _accepts(op, sew, lmul) or (lmul == "m1") != (op == "vsext.vf2"):
                continue
            eew = sew // 2 if "ext" in op else sew
            for avl, load in ((m, "vle"), (m, "vlse"), (m - 1, "vle")):
                g.setup(sew, lmul, avl, "tu")
                g.emit(f"addi a2, s5, {sew + n}", "li a3, 5")
                g.emit(f"{load}{eew}.v v16, (a2)" + (", a3" if load == "vlse" else ""))
                g.emit(*_insn(op, n, ""))
                g.group(f"{op} e{sew} {lmul} vl={avl} after {load}{eew}.v of vs2")


def _illegal(g: Gen) -> None:
    """Install a SIGILL handler (pc += 4, s6 = 1), then for each case: s6 = 0, the instruction,
    record s6."""
    pc, s6 = SIGILL_OFFSET, SIGILL_OFFSET + 22 * 8
    g.emit("j 2f", "1:", f"ld t3, {pc}(a2)", "addi t3, t3, 4", f"sd t3, {pc}(a2)", "li t3, 1")
    g.emit(f"sd t3, {s6}(a2)", "ret", "2:", "addi sp, sp, -32", "lla t3, 1b", "sd t3, 0(sp)")
    g.emit("sd zero, 8(sp)", "sd zero, 16(sp)", "li a0, 4", "mv a1, sp", "li a2, 0", "li a3, 8")
    g.emit("li a7, 134", "ecall", "addi sp, sp, 32")
    for name, (vt, insn) in {**ILLEGAL, **LEGAL}.items():
        g.emit(f"vsetvli t0, zero, {vt}, ta, ma", "li s6, 0", insn)
        g.record("s6", f"SIGILL: {name}: {insn} ({vt})")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vint") / "vint.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, vecgen.MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    # qemu 10 says the ILLEGAL cases are illegal and the LEGAL ones not
    n = len(ILLEGAL) + len(LEGAL)
    flags = [ref[len(ref) - 8 * (n - k)] for k in range(n)]
    assert flags == [1] * len(ILLEGAL) + [0] * len(LEGAL), list(zip(what[-n:], flags, strict=True))
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_vector_integer_instructions_match_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


# A few of them, each alone: SIGILL ends the program under qemu 10 and tbwasm (no handler).
ALONE = ["vwmacc vs1 the high part of vd", "vnsrl vd the high part of vs2", "vzext with vill"]


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", ALONE)
def test_illegal_vector_integer_cases(name: str, tier: str, tmp_path: Path) -> None:
    vt, insn = ILLEGAL[name]
    vecgen.check_sigill([f"vsetvli t0, zero, {vt}, ta, ma", insn], tier, tmp_path)
