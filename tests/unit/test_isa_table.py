"""Checks on the instruction table itself: fully specified, no overlaps, known semantics."""

from __future__ import annotations

import random

import pytest

from py_backend.isa import ENDS_BLOCK, FLAGS, ROWS, SEMANTIC_NAMES, Insn, decode
from py_backend.isa.decode import decode_uncached
from py_backend.isa.table import ALL_FLAGS, ROWS16, ROWS32, Row, check_row


def _covered(mask: int, match: int, reserved: tuple[tuple[int, int], ...]) -> bool:
    """Is every word of pattern (mask, match) inside one reserved sub-pattern?"""
    return any(rm & ~mask == 0 and match & rm == rv for rm, rv in reserved)


def test_rows_fully_specified() -> None:
    for row in ROWS:
        check_row(row)  # raises on a malformed row
        full = (1 << (row.size * 8)) - 1
        assert row.mask | row.fmt.field_mask == full, row.mnemonic
        assert row.mask & row.fmt.field_mask == 0, row.mnemonic
        for rmask, rmatch in row.reserved:
            assert rmask & row.mask == 0 and rmatch & ~rmask == 0, row.mnemonic


@pytest.mark.parametrize("rows", [ROWS32, ROWS16], ids=["32-bit", "16-bit"])
def test_no_two_rows_overlap(rows: list[Row]) -> None:
    """Symbolically: two patterns intersect unless they disagree on a bit both fix; an
    intersection is allowed only if a reserved sub-pattern of one row covers all of it."""
    overlaps = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            both = a.mask & b.mask
            if (a.match ^ b.match) & both:
                continue
            mask, match = a.mask | b.mask, a.match | b.match
            if not (_covered(mask, match, a.reserved) or _covered(mask, match, b.reserved)):
                overlaps.append((a.mnemonic, b.mnemonic))
    assert overlaps == []


def test_names() -> None:
    mnemonics = [r.mnemonic for r in ROWS]
    assert len(mnemonics) == len(set(mnemonics))
    assert len(SEMANTIC_NAMES) == len(set(SEMANTIC_NAMES))
    assert {r.name for r in ROWS} <= set(SEMANTIC_NAMES)
    # Every semantics has a 32-bit encoding; compressed rows only add encodings.
    assert {r.name for r in ROWS32} == set(SEMANTIC_NAMES)
    assert all(r.mnemonic.startswith("c.") for r in ROWS16)
    assert not any(r.mnemonic.startswith("c.") for r in ROWS32)
    # The RV32-only compressed encodings are absent.
    assert {"c.jal", "c.flw", "c.fsw", "c.flwsp", "c.fswsp"}.isdisjoint(mnemonics)


def test_flags() -> None:
    for row in ROWS:
        assert row.flags <= ALL_FLAGS, row.mnemonic
        assert row.flags == FLAGS[row.name], row.mnemonic
    ends = {n for n, f in FLAGS.items() if f & ENDS_BLOCK}
    assert ends == {"beq", "bne", "blt", "bge", "bltu", "bgeu"} | {
        "jal",
        "jalr",
        "ecall",
        "ebreak",
        "fence.i",
    }
    assert FLAGS["jalr"] == {"indirect"} and FLAGS["jal"] == {"jump"}
    fp = {n for n, f in FLAGS.items() if "fp" in f}
    assert fp == {n for n in SEMANTIC_NAMES if n[0] == "f" and not n.startswith("fence")}
    assert {n for n, f in FLAGS.items() if "amo" in f} == {
        n for n in SEMANTIC_NAMES if n.startswith(("amo", "lr.", "sc."))
    }
    assert "load" in FLAGS["lwu"] and "store" in FLAGS["fsd"] and "csr" in FLAGS["csrrci"]


def _reference(word: int, size: int) -> Insn | None:
    """Slow decoder straight from the rows (no generated code, no tree)."""
    hits = []
    for row in ROWS32 if size == 4 else ROWS16:
        if word & row.mask == row.match and not any(word & m == v for m, v in row.reserved):
            hits.append(row)
    assert len(hits) <= 1, (hex(word), [r.mnemonic for r in hits])
    if not hits:
        return None
    row = hits[0]
    vals: dict[str, int | bool] = {}
    for f in row.fmt.fields:
        vals[f.attr] = f.extract(word)
    for attr, const in row.fmt.implied:
        vals[attr] = const
    for dst, src in row.fmt.copies:
        vals[dst] = vals[src]
    vals["aq"] = bool(vals.get("aq", False))
    vals["rl"] = bool(vals.get("rl", False))
    return Insn(row.name, row.mnemonic, row.size, word, **vals)  # type: ignore[arg-type]


def test_every_halfword_matches_reference() -> None:
    """Exhaustive over all 16-bit encodings: also proves no halfword matches two rows."""
    for h in range(1 << 16):
        if h & 3 == 3:
            continue
        assert decode_uncached(h) == _reference(h, 2), hex(h)
        assert decode(h) == decode_uncached(h)


@pytest.mark.slow
def test_random_words_match_reference() -> None:
    rng = random.Random(1)
    words = [rng.getrandbits(32) | 3 for _ in range(100_000)]
    # Bias towards real opcodes so most words hit some row.
    words += [(rng.getrandbits(32) & ~0x7F) | r.match & 0x7F for r in ROWS32 for _ in range(300)]
    for w in words:
        assert decode_uncached(w) == _reference(w, 4), hex(w)


def test_shared_rows_belong_to_another_extension() -> None:
    from py_backend.isa.table import BY_MNEMONIC, SHARED_ROWS, extensions

    for ext, mnemonics in SHARED_ROWS.items():
        for m in mnemonics:
            assert BY_MNEMONIC[m].ext != ext, (ext, m)
    crypto = {"Zbkb", "Zbkc", "Zbkx", "Zknd", "Zkne", "Zknh", "Zksed", "Zksh"}
    assert crypto <= extensions()
    assert "Zbkc" not in {r.ext for r in ROWS}  # only shared rows: counted through SHARED_ROWS


# The scalar cryptography's RV32-only encodings (GNU as -march=rv32i_zbkb_zknh_zkne_zknd):
# illegal on RV64.
RV32_ONLY = {
    "zip a0,a1": 0x08F59513,
    "unzip a0,a1": 0x08F5D513,
    "aes32esi a0,a1,a2,0x1": 0x62C58533,
    "aes32dsmi a0,a1,a2,0x2": 0xAEC58533,
    "sha512sig0h a0,a1,a2": 0x5CC58533,
    "sha512sum1r a0,a1,a2": 0x52C58533,
}


@pytest.mark.parametrize("text", sorted(RV32_ONLY))
def test_rv32_only_crypto_encodings_do_not_decode(text: str) -> None:
    assert decode(RV32_ONLY[text]) is None
