"""Random vector programs (rvgen.generate(..., vector=True), made from the instruction table by
rvvgen.py) under tbwasm's interp and jit tiers must dump the same x/f registers, fcsr, scratch
memory, v0..v31, vl, vtype, vstart, vxsat and vxrm as qemu 10 (rvrun.QEMU10_FUZZ_VECTOR_CPU:
V and Zvbb, whose rows are .4byte words); plus the generator's own properties and the vector
findings of the fuzzer (scripts/fuzz.py --vector) that are not program dumps."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rvgen  # noqa: E402
import rvrun  # noqa: E402
import rvvgen  # noqa: E402
import vecgen  # noqa: E402

CI_VECTOR_SEEDS = ["ci-vec:0", "ci-vec:1", "ci-vec:2"]
TIERS = ["interp", "jit"]
MIN_INSNS = 150_000  # over the slice, per tier

if not rvrun.have_toolchain():
    pytest.fail("needs riscv64-linux-gnu-gcc (scripts/setup.sh)", pytrace=False)


@pytest.fixture(scope="module")
def vector_slice() -> dict[tuple[str, str], rvrun.Outcome]:
    vecgen.need_qemu10()
    out = {}
    with tempfile.TemporaryDirectory(prefix="tbwasm-diff-vec-") as d:
        for seed in CI_VECTOR_SEEDS:
            prog = rvgen.generate(seed, vector=True)
            for tier in TIERS:
                out[seed, tier] = rvrun.check_program(prog, Path(d), "p", rvrun.tier_runner(tier))
    return out


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("seed", CI_VECTOR_SEEDS)
def test_random_vector_program(
    seed: str, tier: str, vector_slice: dict[tuple[str, str], rvrun.Outcome]
) -> None:
    o = vector_slice[seed, tier]
    replay = f"replay: python scripts/fuzz.py --vector --tier {tier} --replay {seed!r}\n"
    assert o.ok, replay + "\n".join(o.mismatch)


def test_vector_slice_executes_enough(vector_slice: dict[tuple[str, str], rvrun.Outcome]) -> None:
    for tier in TIERS:
        assert sum(o.insns for (_, t), o in vector_slice.items() if t == tier) >= MIN_INSNS


def _body_ops(prog: rvgen.Program) -> list[str]:
    """The mnemonics of the program's instructions (a .4byte's is in its comment)."""
    return [
        ln.split("#")[1].split()[0] if ln.startswith(".4byte") else ln.split()[0]
        for c in prog.chunks
        for body in [c.body, *(b for _, b in c.funcs)]
        for it in body
        for ln in it.lines()
        if not ln.endswith(":")
    ]


def test_generator_uses_every_supported_row() -> None:
    """Every V row whose format rvvgen knows is generated (the sources of 40 programs; nothing
    runs), and the rows it skips are exactly those of UNSUPPORTED_FORMATS."""
    seen: set[str] = set()
    for k in range(40):
        seen.update(_body_ops(rvgen.generate(f"cover:{k}", vector=True)))
    rows = {row.mnemonic for row in rvvgen.CANDIDATES} | rvvgen.VSET_ROWS
    assert sorted(rows - seen) == []
    skipped = {m for m, _ in rvvgen.unsupported_rows()}
    assert {r.mnemonic for r in rvvgen.vector_rows()} == rows | skipped
    assert {f for _, f in rvvgen.unsupported_rows()} == set(rvvgen.UNSUPPORTED_FORMATS)


def test_unknown_formats_are_skipped() -> None:
    """A row whose format has no FORMATS entry and a syntax beyond GENERIC_TOKENS (a strided
    load's stride register) is skipped; one made of generic tokens is generated."""
    from py_backend.isa import fields as F
    from py_backend.isa.table import Row

    strided = F.Format("v_mem_strided_test", (F.RD, F.RS1, F.RS2, F.VM), "vd,amem,rs2,vm")
    row = Row("vlse8.v", "000 0 10 . ..... ..... 000 ..... 0000111", strided, "V", "vlse8.v",
              frozenset())  # fmt: skip
    assert rvvgen.formatter(row) is None
    generic = F.Format("v_vv_test", (F.RD, F.RS1, F.RS2, F.VM), "vd,vs1,vs2,vm")
    row = Row("vmacc.vv", "101101 . ..... ..... 010 ..... 1010111", generic, "V", "vmacc.vv",
              frozenset())  # fmt: skip
    assert rvvgen.formatter(row) is rvvgen.VGen.operands


# EMULs (log2, or "mask": one register) of vd, vs2, vs1 at SEW 32, LMUL 1 and SEW 16, LMUL 8,
# by the mnemonic's kind (rows other groups add: rvvgen must classify them before they come).
EMULS = {
    "vnmsac.vv": ((0, 0, 0), (3, 3, 3)),  # single-width, though it starts like vnsrl
    "vfnmacc.vv": ((0, 0, 0), None),  # no 16-bit FP (Zvfh) in qemu's cpu
    "vnsrl.wv": ((0, 1, 0), None),  # narrowing: vs2 is 2 * LMUL; not at LMUL 8
    "vwadd.wv": ((1, 1, 0), None),  # widening: vd (and .w's vs2) are 2 * LMUL
    "vwredsum.vs": (("mask", 0, "mask"), ("mask", 3, "mask")),
    "vmsbf.m": (("mask", "mask", "mask"), ("mask", "mask", "mask")),
    "vzext.vf4": ((0, -2, 0), None),  # vs2 is LMUL / 4; SEW 16 is below 4 * 8
    "vmseq.vv": (("mask", 0, 0), ("mask", 3, 3)),
}


@pytest.mark.parametrize("mnemonic", sorted(EMULS))
def test_operand_groups_by_kind(mnemonic: str) -> None:
    from py_backend.isa import fields as F
    from py_backend.isa.table import Row

    row = Row(mnemonic, "0" * 32, F.V_VV, "V", mnemonic, frozenset())
    got = []
    for vt in (rvvgen.VType(32, 0, False, False), rvvgen.VType(16, 3, False, False)):
        e = rvvgen.emuls(row, vt)
        got.append(None if e is None else (e["vd"], e["vs2"], e["vs1"]))
    assert tuple(got) == EMULS[mnemonic]


def test_vector_share() -> None:
    """At least a quarter of the body instructions are vector instructions (vset*, vector CSR
    accesses included; the address and AVL set-up they need is not)."""
    ops = [op for k in range(10) for op in _body_ops(rvgen.generate(f"share:{k}", vector=True))]
    vec = [op for op in ops if op.startswith("v") or op in ("csrwi", "csrw", "csrr")]
    assert len(vec) >= len(ops) // 4, (len(vec), len(ops))


def test_vector_generator_is_deterministic() -> None:
    a = rvgen.generate("det:1", vector=True).source()
    assert a == rvgen.generate("det:1", vector=True).source()
    assert a != rvgen.generate("det:1").source()


def test_harness_reports_vector_differences() -> None:
    """The comparison names the vector register and CSR that differ."""
    size = rvgen.chunk_out(True)
    ref = bytearray(size * 2)
    got = bytearray(ref)
    got[rvgen.CHUNK_OUT] ^= 1  # vl
    got[rvgen.CHUNK_OUT + 8 * len(rvgen.VCSRS) + 16 * 9 + 3] ^= 1  # v9
    diffs = rvrun.compare(
        rvrun.RunResult(0, bytes(ref)), rvrun.RunResult(0, bytes(got)), 2, vector=True
    )
    text = "\n".join(diffs)
    assert "chunk 0: vl " in text and "chunk 0: v9 " in text, text


# Found by scripts/fuzz.py --vector (seed 't:3'): qemu 10 makes vmv<n>r.v illegal while vill is
# set (tbwasm copied the registers).
@pytest.mark.parametrize("tier", TIERS)
def test_whole_register_move_with_vill(tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(["li a0, 4", "vsetvli t0, a0, 0x1c4", "vmv8r.v v0, v24"], tier, tmp_path)


# Found by scripts/fuzz.py --vector (seed 'vst:6', shrunk to `csrw vstart, 15; vmv2r.v v12, v22`):
# vmv<n>r.v copies the elements of SEW bits from vstart (tbwasm copied the whole registers).
@pytest.fixture(scope="module")
def vstart_move(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    g = vecgen.Gen()
    g.load_all()
    for sew in (8, 32, 64):
        for vstart in (0, 1, 5, 17, 40):
            g.setup(sew, "m1", 3, "tu")
            g.emit(f"li t1, {vstart}", "csrw vstart, t1", "vmv2r.v v8, v18")
            g.emit("csrr t1, vstart", "vmv4r.v v12, v24")
            g.group(f"e{sew} vstart {vstart}")
            g.record("t1", f"e{sew} vstart {vstart}: vstart after")
    elf = tmp_path_factory.mktemp("vstart") / "vstart.elf"
    return elf, g.what, vecgen.reference(g, elf)


@pytest.mark.parametrize("tier", TIERS)
def test_whole_register_move_from_vstart(
    tier: str, vstart_move: tuple[Path, list[str], bytes]
) -> None:
    vecgen.check(*vstart_move, tier)


# Found by scripts/fuzz.py --vector --tier interp (seed 'vf2i:366', shrunk to `vslide1up.vx v24,
# v0, s7`): vslide1up read the (discarded) element vs2[-1], below v0 for vs2 = v0, a Wasm trap
# (out of bounds); vslide1down likewise reads vs2[VLMAX] past v31 for vs2 = v24 at LMUL 8.
@pytest.fixture(scope="module")
def slide1_edges(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    g = vecgen.Gen()
    g.load_all()
    for sew in (8, 64):
        for lmul, vl in (("m8", 200), ("m1", 3)):
            for insn in ("vslide1up.vx v8, v0, t1", "vslide1down.vx v8, v24, t1"):
                g.setup(sew, lmul, vl, "tu")
                g.emit("li t1, -3", insn)
                g.group(f"e{sew} {lmul} vl {vl}: {insn}")
    elf = tmp_path_factory.mktemp("slide1") / "slide1.elf"
    return elf, g.what, vecgen.reference(g, elf)


@pytest.mark.parametrize("tier", TIERS)
def test_slide1_from_v0_and_v24(tier: str, slide1_edges: tuple[Path, list[str], bytes]) -> None:
    vecgen.check(*slide1_edges, tier)
