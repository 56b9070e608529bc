"""Decoder and encoder: known words, round trips over every row, reserved encodings."""

from __future__ import annotations

import dataclasses
import random

import pytest

from py_backend.isa import ROWS, Insn, decode, encode
from py_backend.isa.table import ROWS16, Row

# (word, name, mnemonic, fields). Words are hand-computed and agree with GNU as.
KNOWN: list[tuple[int, str, str, dict[str, int]]] = [
    (0x00150513, "addi", "addi", dict(rd=10, rs1=10, imm=1)),
    (0x0505, "addi", "c.addi", dict(rd=10, rs1=10, imm=1)),
    (0x0001, "addi", "c.addi", dict(rd=0, rs1=0, imm=0)),  # c.nop
    (0x000500E7, "jalr", "jalr", dict(rd=1, rs1=10, imm=0)),
    (0x12345537, "lui", "lui", dict(rd=10, imm=0x12345000)),
    (0xFFFFF517, "auipc", "auipc", dict(rd=10, imm=-0x1000)),
    (0x0FF0000F, "fence", "fence", dict(imm=0xFF)),
    (0x8330000F, "fence", "fence.tso", dict(imm=0x33)),
    (0x0000100F, "fence.i", "fence.i", {}),
    (0x00000073, "ecall", "ecall", {}),
    (0x00100073, "ebreak", "ebreak", {}),
    (0xD2050553, "fcvt.d.w", "fcvt.d.w", dict(rd=10, rs1=10, rm=0)),
    (0x02C59553, "fadd.d", "fadd.d", dict(rd=10, rs1=11, rs2=12, rm=1)),
    (0x02C5F553, "fadd.d", "fadd.d", dict(rd=10, rs1=11, rs2=12, rm=7)),
    (0x68C58543, "fmadd.s", "fmadd.s", dict(rd=10, rs1=11, rs2=12, rs3=13, rm=0)),
    (0x06B6252F, "amoadd.w", "amoadd.w", dict(rd=10, rs1=12, rs2=11, aq=1, rl=1)),
    (0x1405B52F, "lr.d", "lr.d", dict(rd=10, rs1=11, aq=1)),
    (0x1AB6252F, "sc.w", "sc.w", dict(rd=10, rs1=12, rs2=11, rl=1)),
    (0x00359573, "csrrw", "csrrw", dict(rd=10, rs1=11, csr=3)),
    (0x0032D573, "csrrwi", "csrrwi", dict(rd=10, rs1=5, csr=3)),
    (0xC0002573, "csrrs", "csrrs", dict(rd=10, csr=0xC00)),
    (0x03F51513, "slli", "slli", dict(rd=10, rs1=10, imm=63)),
    (0x41F5551B, "sraiw", "sraiw", dict(rd=10, rs1=10, imm=31)),
    (0xFE050EE3, "beq", "beq", dict(rs1=10, imm=-4)),
    (0x008000EF, "jal", "jal", dict(rd=1, imm=8)),
    (0xFF813503, "ld", "ld", dict(rd=10, rs1=2, imm=-8)),
    (0x00A13823, "sd", "sd", dict(rs1=2, rs2=10, imm=16)),
    (0x00A53427, "fsd", "fsd", dict(rs1=10, rs2=10, imm=8)),
    (0x02B50533, "mul", "mul", dict(rd=10, rs1=10, rs2=11)),
    (0xE2050553, "fmv.x.d", "fmv.x.d", dict(rd=10, rs1=10)),
    (0x6505, "lui", "c.lui", dict(rd=10, imm=0x1000)),
    (0x7505, "lui", "c.lui", dict(rd=10, imm=-0x1F000)),
    (0x7139, "addi", "c.addi16sp", dict(rd=2, rs1=2, imm=-64)),
    (0x0808, "addi", "c.addi4spn", dict(rd=10, rs1=2, imm=16)),
    (0x6522, "ld", "c.ldsp", dict(rd=10, rs1=2, imm=8)),
    (0xE42A, "sd", "c.sdsp", dict(rs1=2, rs2=10, imm=8)),
    (0x2522, "fld", "c.fldsp", dict(rd=10, rs1=2, imm=8)),
    (0xA001, "jal", "c.j", dict(rd=0, imm=0)),
    (0xBFFD, "jal", "c.j", dict(rd=0, imm=-2)),
    (0xC101, "beq", "c.beqz", dict(rs1=10, rs2=0, imm=0)),
    (0x852E, "add", "c.mv", dict(rd=10, rs1=0, rs2=11)),
    (0x952E, "add", "c.add", dict(rd=10, rs1=10, rs2=11)),
    (0x8082, "jalr", "c.jr", dict(rd=0, rs1=1, imm=0)),
    (0x9502, "jalr", "c.jalr", dict(rd=1, rs1=10, imm=0)),
    (0x9002, "ebreak", "c.ebreak", {}),
    (0x917D, "srli", "c.srli", dict(rd=10, rs1=10, imm=63)),
    (0x1502, "slli", "c.slli", dict(rd=10, rs1=10, imm=32)),
    (0x997D, "andi", "c.andi", dict(rd=10, rs1=10, imm=-1)),
    (0x9D0D, "subw", "c.subw", dict(rd=10, rs1=10, rs2=11)),
    (0x5501, "addi", "c.li", dict(rd=10, rs1=0, imm=-32)),
    (0x6588, "ld", "c.ld", dict(rd=10, rs1=11, imm=8)),
    (0xA588, "fsd", "c.fsd", dict(rs1=11, rs2=10, imm=8)),
    (0x357D, "addiw", "c.addiw", dict(rd=10, rs1=10, imm=-1)),
    (0x4108, "lw", "c.lw", dict(rd=10, rs1=10, imm=0)),
]


@pytest.mark.parametrize(("word", "name", "mnemonic", "fields"), KNOWN)
def test_known(word: int, name: str, mnemonic: str, fields: dict[str, int]) -> None:
    insn = decode(word)
    size = 4 if word & 3 == 3 else 2
    expected = Insn(name, mnemonic, size, word, **fields)  # type: ignore[arg-type]
    assert insn == expected
    assert encode(mnemonic, **fields) == word


def test_compressed_ignores_upper_half() -> None:
    assert decode(0xDEAD_0505) == decode(0x0505)
    assert decode(0xDEAD_0505).raw == 0x0505  # type: ignore[union-attr]


def _fields(insn: Insn) -> dict[str, int]:
    skip = {"name", "mnemonic", "size", "raw"}
    names = [f.name for f in dataclasses.fields(insn) if f.name not in skip]
    return {n: int(getattr(insn, n)) for n in names}


def _random_words(row: Row, rng: random.Random, n: int) -> list[int]:
    out: list[int] = []
    while len(out) < n:
        w = row.match | (rng.getrandbits(row.size * 8) & ~row.mask)
        if not any(w & m == v for m, v in row.reserved):
            out.append(w)
    return out


@pytest.mark.parametrize("row", ROWS, ids=[r.mnemonic for r in ROWS])
def test_round_trip(row: Row) -> None:
    rng = random.Random(row.mnemonic)
    for w in _random_words(row, rng, 200):
        insn = decode(w)
        assert insn is not None and insn.mnemonic == row.mnemonic and insn.name == row.name
        assert insn.size == row.size and insn.raw == w
        assert encode(row.mnemonic, **_fields(insn)) == w


@pytest.mark.parametrize("row", ROWS16, ids=[r.mnemonic for r in ROWS16])
def test_compressed_expansion_is_a_valid_base_instruction(row: Row) -> None:
    """The expansion re-encoded as its 32-bit base instruction decodes to the same fields."""
    rng = random.Random(row.mnemonic)
    for w in _random_words(row, rng, 200):
        insn = decode(w)
        assert insn is not None
        base = decode(encode(insn.name, **_fields(insn)))
        assert base is not None and base.name == insn.name
        assert _fields(base) == _fields(insn)


RESERVED: list[tuple[int, str]] = [
    (0x0000, "all-zero halfword"),
    (0x0004, "c.addi4spn nzuimm=0"),
    (0x6501, "c.lui imm=0"),
    (0x6001, "c.lui rd=0 imm=0"),
    (0x6101, "c.addi16sp imm=0"),
    (0x2005, "c.addiw rd=0"),
    (0x4002, "c.lwsp rd=0"),
    (0x6002, "c.ldsp rd=0"),
    (0x8002, "c.jr rs1=0"),
    # (100 111 rd' 10 rs2' 01 is Zcb's c.mul, 11 000..101 01 c.zext.b..c.not, quadrant 0
    # 100 000..011 c.lbu/c.lhu/c.lh/c.sb/c.sh)
    (0x9C79, "RV64 reserved CA (funct2=11 with bit 12, Zcb funct3 110)"),
    (0x9C7D, "RV64 reserved CA (funct2=11 with bit 12, Zcb funct3 111)"),
    (0x9000, "quadrant 0 funct3=100 funct3'=100"),
    (0x8C40, "Zcb c.sh with bit 6 set"),
    (0x00005053, "fadd.s rm=5"),
    (0x00006053, "fadd.s rm=6"),
    (0x00005043, "fmadd.s rm=5"),
    (0xD205D553, "fcvt.d.w rm=5"),
    (0x42056553, "fcvt.d.s rm=6"),
    (0x0200151B, "slliw shamt[5]=1"),
    (0x0200551B, "srliw shamt[5]=1"),
    (0x4200551B, "sraiw shamt[5]=1"),
    (0x1015A52F, "lr.w rs2!=0"),
    (0x1015B52F, "lr.d rs2!=0"),
    (0x0010100F, "fence.i imm!=0"),
    (0x0000110F, "fence.i rd!=0"),
    (0x0000900F, "fence.i rs1!=0"),
    (0x00000173, "ecall rd!=0"),
    (0x00108073, "ebreak rs1!=0"),
    (0x30200073, "mret"),
    (0x10500073, "wfi"),
    (0x8000000F, "fence fm=1000 other than tso"),
    (0x0FF5000F, "fence rs1!=0"),
    (0x0000007F, "unknown opcode"),
    (0xFFFFFFFF, "all ones"),
    (0x00007003, "load funct3=111"),
    (0x00004023, "store funct3=100"),
    (0xE0150553, "fmv.x.w rs2!=0"),
    (0x40000033 | (1 << 12), "funct7 0100000 with sll"),
    (0x0000C053 | (0x2C << 25) | (1 << 20), "fsqrt.s rs2!=0"),
    (0x00002067, "jalr funct3!=0"),
]


@pytest.mark.parametrize(("word", "why"), RESERVED, ids=[w for _, w in RESERVED])
def test_reserved_is_none(word: int, why: str) -> None:
    assert decode(word) is None, why


def test_encode_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        encode("addi", rd=1, rs1=1, imm=2048)
    with pytest.raises(ValueError):
        encode("beq", rs1=1, rs2=2, imm=3)  # odd branch offset
    with pytest.raises(ValueError):
        encode("c.addi4spn", rd=8, imm=0)  # reserved
    with pytest.raises(ValueError):
        encode("c.lw", rd=5, rs1=8, imm=0)  # rd' must be x8..x15
    with pytest.raises(ValueError):
        encode("c.lwsp", rd=5, rs1=3, imm=0)  # rs1 is implicitly sp
    with pytest.raises(ValueError):
        encode("c.add", rd=5, rs1=6, rs2=7)  # rs1 must equal rd
    with pytest.raises(ValueError):
        encode("fadd.s", rm=5)
    with pytest.raises(ValueError):
        encode("ecall", rd=1)
    with pytest.raises(TypeError):
        encode("add", shamt=1)
    with pytest.raises(KeyError):
        encode("c.jal", imm=0)
