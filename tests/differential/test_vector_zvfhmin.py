"""Zvfhmin (RVA23U64's vector half-precision conversions) against qemu 10 with zvfhmin=true:
vfwcvt.f.f.v (halves to singles, exact: only a signaling NaN raises a flag) and vfncvt.f.f.w
(singles to halves, rounded in every frm) at SEW = 16, every LMUL they allow (mf4 .. m4),
masked and unmasked, vl 1 / partial / VLMAX, with halves and singles chosen for their edges
(NaNs with payloads, infinities, +-0, subnormals, values halfway between two halves, overflow
to infinity and to the largest half by the rounding mode), recording fflags after each. The
other FP operations stay illegal at SEW = 16 (no Zvfh), as in qemu. The rows are
test_vector_fp.py's (COVERED is empty here)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import Gen

pytestmark = pytest.mark.all_tiers
COVERED: list[str] = []
CPU = vecgen.VCPU + ",zvfh=false,zvfhmin=true"
LMULS = ("mf4", "mf2", "m1", "m2", "m4")

HALVES = [0x0000, 0x8000, 0x0001, 0x83FF, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00,
          0x7E00, 0x7C01, 0xFD55, 0x7FFF, 0x3555, 0x0400]  # fmt: skip


def _single(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


SINGLES = [0x00000000, 0x80000000, 0x3F800000, _single(65504.0), _single(65520.0),
           _single(65519.99), _single(-70000.0), 0x7F800000, 0xFF800000, 0x7FC00000,
           0x7F800001, 0xFFA12345, _single(1 + 2**-11), _single(1 + 3 * 2**-11),
           _single(2**-24), _single(2**-25), _single(3 * 2**-26), _single(-(2**-14) * 0.75),
           0x00000001, _single(0.1), _single(-1234.5678), _single(2**-14)]  # fmt: skip


def _data(g: Gen) -> None:
    """v16.. = HALVES (as e16), v24.. = SINGLES (as e32): from the `data` area."""
    g.emit("lla t3, data", "vl8re8.v v16, (t3)", "addi t3, t3, 128", "vl8re8.v v24, (t3)")


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()
    _data(g)
    for lmul in LMULS:
        vmax = int(128 * vecgen.LMUL_VALUE[lmul]) // 16
        for avl in sorted({1, max(1, vmax - 1), vmax}):
            for vm in ("", ", v0.t"):
                for frm in range(5):
                    name = f"e16 {lmul} avl={avl}{vm} frm={frm}"
                    if frm == 0 or avl == vmax:  # (widening is exact: one frm is enough)
                        g.setup(16, lmul, avl, "tu")
                        g.emit(f"csrwi frm, {frm}", "csrwi fflags, 0")
                        g.emit(f"vfwcvt.f.f.v v8, v16{vm}", "csrr t1, fflags")
                        g.group(f"vfwcvt.f.f.v {name}")
                        g.record("t1", f"vfwcvt.f.f.v {name}: fflags")
                    g.setup(16, lmul, avl, "tu")
                    g.emit(f"csrwi frm, {frm}", "csrwi fflags, 0")
                    g.emit(f"vfncvt.f.f.w v8, v24{vm}", "csrr t1, fflags")
                    g.group(f"vfncvt.f.f.w {name}")
                    g.record("t1", f"vfncvt.f.f.w {name}: fflags")
    g.emit("csrwi frm, 0")
    src = g.source()
    halves = ", ".join(f"{h:#06x}" for h in HALVES * 4)
    singles = ", ".join(f"{s:#010x}" for s in (SINGLES * 3)[:32])
    src = src.replace(
        ".bss\n", f".balign 16\ndata:\n    .half {halves}\n    .word {singles}\n.bss\n"
    )
    return src, g.what


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    vecgen.need_qemu10()
    src, what = _program()
    elf = tmp_path_factory.mktemp("zvfhmin") / "zvfhmin.elf"
    ref = rvrun.qemu10_reference(src, elf, vecgen.MARCH, vecgen.RECORD, len(what), cpu=CPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", vecgen.TIERS)
def test_zvfhmin_conversions_match_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


# Still illegal at SEW = 16 (Zvfh's), and what Zvfhmin does not allow (as qemu)
ILLEGAL = {
    "vfadd at e16": ["vsetvli t0, zero, e16, m1, ta, ma", "vfadd.vv v8, v16, v24"],
    "vfncvt.rod at e16": ["vsetvli t0, zero, e16, m1, ta, ma", "vfncvt.rod.f.f.w v8, v16"],
    "vfwcvt.f.f at e16 m8": ["vsetvli t0, zero, e16, m8, ta, ma", "vfwcvt.f.f.v v8, v16"],
    "vfwcvt.f.f at e8": ["vsetvli t0, zero, e8, m1, ta, ma", "vfwcvt.f.f.v v8, v16"],
}


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_zvfhmin_illegal_cases(
    name: str, tier: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vecgen, "VCPU", CPU)
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)
