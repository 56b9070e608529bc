"""Differential tests: random RV64GC programs (tests/differential/rvgen.py) under tbwasm must
produce byte-identical register/memory dumps to qemu-riscv64, plus the shrunk regressions the
fuzzer (scripts/fuzz.py) found, which run from their committed ELF and qemu output."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rvgen  # noqa: E402
import rvrun  # noqa: E402

# A fixed slice: change it only together with MIN_INSNS below.
CI_SEEDS = [f"ci:{i}" for i in range(5)]
MIN_INSNS = 200_000

# Every instruction class the generator must reach within the CI slice (static coverage).
REQUIRED = (
    "add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw addi slti sltiu xori ori "
    "andi addiw slli srli srai slliw srliw sraiw lui auipc li "
    "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw "
    "lb lh lw ld lbu lhu lwu sb sh sw sd flw fld fsw fsd "
    "lr.w lr.d sc.w sc.d amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w "
    "amominu.w amomaxu.w amoswap.d amoadd.d amoxor.d amoand.d amoor.d amomin.d amomax.d "
    "amominu.d amomaxu.d "
    "fadd.s fsub.s fmul.s fdiv.s fsqrt.s fmadd.s fmsub.s fnmadd.s fnmsub.s fmin.s fmax.s "
    "fsgnj.s fsgnjn.s fsgnjx.s feq.s flt.s fle.s fclass.s fcvt.w.s fcvt.wu.s fcvt.l.s fcvt.lu.s "
    "fcvt.s.w fcvt.s.wu fcvt.s.l fcvt.s.lu fmv.x.w fmv.w.x "
    "fadd.d fsub.d fmul.d fdiv.d fsqrt.d fmadd.d fmsub.d fnmadd.d fnmsub.d fmin.d fmax.d "
    "fsgnj.d fsgnjn.d fsgnjx.d feq.d flt.d fle.d fclass.d fcvt.w.d fcvt.wu.d fcvt.l.d fcvt.lu.d "
    "fcvt.d.w fcvt.d.wu fcvt.d.l fcvt.d.lu fmv.x.d fmv.d.x fcvt.s.d fcvt.d.s "
    "csrr csrrw csrrs csrrc csrrwi csrrsi csrrci fsrmi fsflagsi fsflags "
    "beq bne blt bge bltu bgeu beqz bnez jal jalr call lla "
    "c.addi c.li c.lui c.addiw c.slli c.srli c.srai c.andi c.mv c.add c.sub c.xor c.or c.and "
    "c.subw c.addw c.lw c.ld c.sw c.sd c.fld c.fsd c.lwsp c.ldsp c.fldsp c.swsp c.sdsp c.fsdsp "
    "c.addi4spn c.addi16sp c.nop c.j c.jr c.jalr c.beqz c.bnez fence fence.i"
).split()
ROUNDING = {"rne", "rtz", "rdn", "rup", "rmm", "dyn"}

if not rvrun.have_toolchain():
    pytest.fail("needs riscv64-linux-gnu-gcc and qemu-riscv64 (scripts/setup.sh)", pytrace=False)


@pytest.fixture(scope="module")
def slice_results() -> dict[str, tuple[rvgen.Program, rvrun.Outcome]]:
    out = {}
    with tempfile.TemporaryDirectory(prefix="tbwasm-diff-") as d:
        for seed in CI_SEEDS:
            prog = rvgen.generate(seed)
            out[seed] = (prog, rvrun.check_program(prog, Path(d), "p"))
    return out


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_random_program(
    seed: str, slice_results: dict[str, tuple[rvgen.Program, rvrun.Outcome]]
) -> None:
    _, o = slice_results[seed]
    assert o.ok, f"replay: python scripts/fuzz.py --replay {seed!r}\n" + "\n".join(o.mismatch)


def test_slice_executes_enough(
    slice_results: dict[str, tuple[rvgen.Program, rvrun.Outcome]],
) -> None:
    total = sum(o.insns for _, o in slice_results.values())
    assert total >= MIN_INSNS, total


def test_slice_covers_every_class(
    slice_results: dict[str, tuple[rvgen.Program, rvrun.Outcome]],
) -> None:
    seen: set[str] = set()
    rms: set[str] = set()
    for prog, _ in slice_results.values():
        for ln in prog.source().splitlines():
            ln = ln.strip()
            if not ln or ln.startswith((".", "#")) or ln.endswith(":"):
                continue
            op = ln.split()[0]
            seen.add(op)
            seen.add(re.sub(r"\.(aq|rl|aqrl)$", "", op))
            tail = ln.rsplit(",", 1)[-1].strip()
            if tail in ROUNDING:
                rms.add(tail)
    missing = [m for m in REQUIRED if m not in seen]
    assert not missing, missing
    assert rms == ROUNDING


def test_generator_is_deterministic() -> None:
    assert rvgen.generate("det:1").source() == rvgen.generate("det:1").source()
    assert rvgen.generate("det:1").source() != rvgen.generate("det:2").source()


REGRESSIONS = sorted(rvrun.REGRESSIONS.glob("*.S"))


@pytest.mark.parametrize("src", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_regression(src: Path, tmp_path: Path) -> None:
    """A shrunk fuzzer finding: tbwasm must print exactly what qemu-riscv64 printed (qemu 10
    for the extensions; fuzz_vec_*: vector programs, whose dumps also hold the vector state)."""
    vector = src.stem.startswith("fuzz_vec_")
    elf = src.with_suffix(".elf")
    if not elf.exists():
        march = "rv64gcv" if vector else rvgen.EXT_MARCH if "_ext_" in src.stem else "rv64gc"
        rvrun.build(src.read_text(), tmp_path / src.stem, march)
        elf = tmp_path / src.stem
    expected = src.with_suffix(".expected").read_bytes()
    got = rvrun.run_tbwasm(elf.read_bytes())
    ref = rvrun.RunResult(0, expected)
    nchunks = max(1, len(expected) // rvgen.chunk_out(vector))
    diffs = rvrun.compare(ref, got, nchunks, vector)
    assert not diffs, f"{src.name}:\n" + "\n".join(diffs)


def test_harness_reports_differences() -> None:
    """The comparison must name the register, the FP register, fcsr and the scratch bytes."""
    ref = bytearray(rvgen.CHUNK_OUT * 2)
    got = bytearray(ref)
    got[8 * 4] ^= 1  # x5
    got[rvgen.DUMP_X + 8 * 3 + 7] ^= 0x80  # f3 sign
    got[rvgen.DUMP_X + rvgen.DUMP_F] ^= 1  # fcsr.NX
    got[rvgen.DUMP_HDR + rvgen.MID + 5] ^= 0xFF  # [x3+5]
    diffs = rvrun.compare(rvrun.RunResult(0, bytes(ref)), rvrun.RunResult(0, bytes(got)), 2)
    text = "\n".join(diffs)
    assert "chunk 0: x5 " in text and "chunk 0: f3 " in text and "fcsr" in text
    assert "[x3+5]" in text
    assert rvrun.compare(rvrun.RunResult(0, bytes(ref)), rvrun.RunResult(139, b""), 2)


# The extensions beyond RV64GC (rvgen ext=True), against qemu 10: a fixed slice as well.
CI_EXT_SEEDS = [f"ci-ext:{i}" for i in range(4)]
EXT_REQUIRED = [*rvgen.EXT_R, *rvgen.EXT_UNARY, *rvgen.EXT_SHIFT, *rvgen.EXT_RNUM, *rvgen.EXT_BS]
EXT_REQUIRED += [".insn", ".2byte", "cbo.zero"]


@pytest.fixture(scope="module")
def ext_slice() -> dict[str, tuple[rvgen.Program, rvrun.Outcome]]:
    if not rvrun.have_qemu10():
        pytest.fail(f"{rvrun.QEMU10} missing (scripts/fetch-qemu.sh)")
    out = {}
    with tempfile.TemporaryDirectory(prefix="tbwasm-diff-ext-") as d:
        for seed in CI_EXT_SEEDS:
            prog = rvgen.generate(seed, ext=True)
            out[seed] = (prog, rvrun.check_program(prog, Path(d), "p"))
    return out


@pytest.mark.parametrize("seed", CI_EXT_SEEDS)
def test_random_program_with_extensions(
    seed: str, ext_slice: dict[str, tuple[rvgen.Program, rvrun.Outcome]]
) -> None:
    _, o = ext_slice[seed]
    replay = f"replay: python scripts/fuzz.py --ext --replay {seed!r}\n"
    assert o.ok, replay + "\n".join(o.mismatch)


def test_ext_slice_covers_the_extensions(
    ext_slice: dict[str, tuple[rvgen.Program, rvrun.Outcome]],
) -> None:
    seen = {
        ln.split()[0]
        for prog, _ in ext_slice.values()
        for ln in prog.source().splitlines()
        if ln.strip() and not ln.strip().endswith(":")
        for ln in [ln.strip()]
    }
    assert [m for m in EXT_REQUIRED if m not in seen] == []
    assert sum(o.insns for _, o in ext_slice.values()) >= 150_000
