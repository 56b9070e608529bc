"""``encode(name_or_mnemonic, **fields) -> int``: the inverse of ``decode``, driven by the table."""

from __future__ import annotations

from .table import BY_MNEMONIC, ROWS32, Row

# A base name resolves to its 32-bit row (``encode("addi", ...)``); mnemonics win over names.
_BY_NAME: dict[str, Row] = {}
for _r in ROWS32:
    _BY_NAME.setdefault(_r.name, _r)

_ATTRS = frozenset({"rd", "rs1", "rs2", "rs3", "imm", "csr", "rm", "aq", "rl", "vm"})


def row_for(name_or_mnemonic: str) -> Row:
    row = BY_MNEMONIC.get(name_or_mnemonic) or _BY_NAME.get(name_or_mnemonic)
    if row is None:
        raise KeyError(f"unknown instruction {name_or_mnemonic!r}")
    return row


def encode(name_or_mnemonic: str, **fields: int) -> int:
    """Encode one instruction; fields are ``Insn`` attribute names, missing ones default to 0.

    Fields an encoding implies (``rs1`` of ``c.lwsp`` is sp, ``rs1`` of ``c.add`` is ``rd``)
    may be given, and must then agree. Raises ValueError for values the encoding cannot hold
    and for reserved combinations (``c.addi4spn`` with imm 0, rm 5 or 6, ...).
    """
    row = row_for(name_or_mnemonic)
    unknown = set(fields) - _ATTRS
    if unknown:
        raise TypeError(f"{row.mnemonic}: unknown fields {sorted(unknown)}")
    fmt = row.fmt
    word = row.match
    own = set()
    for f in fmt.fields:
        word |= f.insert(int(fields.get(f.attr, 0)))
        own.add(f.attr)
    for attr, const in fmt.implied:
        if attr in fields and int(fields[attr]) != const:
            raise ValueError(f"{row.mnemonic}: {attr} must be {const}")
        own.add(attr)
    for dst, src in fmt.copies:
        if dst in fields and int(fields[dst]) != int(fields.get(src, 0)):
            raise ValueError(f"{row.mnemonic}: {dst} must equal {src}")
        own.add(dst)
    extra = {k for k, v in fields.items() if k not in own and v}
    if extra:
        raise ValueError(f"{row.mnemonic}: has no field(s) {sorted(extra)}")
    for rmask, rmatch in row.reserved:
        if word & rmask == rmatch:
            raise ValueError(f"{row.mnemonic}: reserved encoding {word:#x}")
    return word
