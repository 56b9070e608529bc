"""The decoded-instruction record shared by the decoder, the translator and the disassembler."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Insn:
    """One decoded instruction. Compressed forms arrive already expanded to base semantics.

    ``name`` is the semantic (base) name the translator dispatches on (``c.addi`` -> ``"addi"``);
    ``mnemonic`` is the encoding's own name (``"c.addi"``), without any ``.aq``/``.rl`` suffix
    (the bits are in ``aq``/``rl``). For ``csrr*i`` the 5-bit zimm is in ``rs1``. For ``fence``,
    ``imm`` holds ``pred << 4 | succ``. Vector instructions name vd / vs3 ``rd``, vs1 ``rs1``,
    vs2 ``rs2``; ``imm`` is simm5 (``.vi``) or the vtype immediate (``vsetvli``/``vsetivli``,
    whose AVL uimm is in ``rs1``).
    """

    name: str
    mnemonic: str
    size: int
    raw: int
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    rs3: int = 0
    imm: int = 0
    csr: int = 0
    rm: int = 0
    aq: bool = False
    rl: bool = False
    vm: int = 0  # vector instructions: 1 = unmasked, 0 = masked by v0 (``v0.t``)
