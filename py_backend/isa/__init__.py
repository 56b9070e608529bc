"""RISC-V RV64GC instruction set: table, decoder, encoder, disassembler."""

from .decode import decode
from .disasm import disassemble, disassemble_elf, format_insn
from .encode import encode
from .insn import Insn
from .table import ENDS_BLOCK, FLAGS, ROWS, SEMANTIC_NAMES, Row

__all__ = [
    "ENDS_BLOCK",
    "FLAGS",
    "ROWS",
    "SEMANTIC_NAMES",
    "Insn",
    "Row",
    "decode",
    "disassemble",
    "disassemble_elf",
    "encode",
    "format_insn",
]
