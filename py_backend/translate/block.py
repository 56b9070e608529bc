"""Finding a translation block: decode guest code from pc until the TB must end."""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..isa import table
from ..isa.decode import decode
from .codegen import Block

MAX_BLOCK_INSNS = 64
MASK64 = (1 << 64) - 1

# From the table's flags. Instructions after which a TB ends: control transfers, traps into the
# host, fence.i.
BRANCHES = table.names_with("branch")
JUMPS = table.names_with("jump")
ENDS_BLOCK = table.names_with(*table.ENDS_BLOCK)


def find_block(
    fetch16: Callable[[int], int | None], pc: int, max_insns: int = MAX_BLOCK_INSNS
) -> Block:
    """Decode from `pc`.  `fetch16(addr)` returns the halfword at a guest address, or None when
    that address is not executable.  The TB ends at a control transfer, ecall/ebreak, fence.i,
    an illegal instruction, the end of the page, a non-executable halfword, or max_insns."""
    insns: list[tuple[int, object]] = []
    page = pc >> abi.PAGE_SHIFT
    cur = pc
    while len(insns) < max_insns:
        lo = fetch16(cur)
        if lo is None:
            if not insns:
                return Block(pc, [], pc, fetch_fault=True)
            break
        if lo & 3 == 3:
            hi = fetch16(cur + 2)
            if hi is None:
                if not insns:
                    # The instruction's second half is not executable: fault at its address.
                    return Block(pc, [], pc, fetch_fault=True)
                break
            insn = decode(lo | hi << 16)
        else:
            insn = decode(lo)
        insns.append((cur, insn))
        if insn is None:
            cur += 2
            break
        cur += insn.size
        if insn.name in ENDS_BLOCK or cur >> abi.PAGE_SHIFT != page:
            break
    block = Block(pc, insns, cur)  # type: ignore[arg-type]
    block.successors = static_successors(block)
    return block


def static_successors(block: Block) -> list[int]:
    """Guest pcs the TB can continue at through goto_tb (not through indirect jumps)."""
    if not block.insns:
        return []
    pc, last = block.insns[-1]
    if last is None:
        return []
    if last.name in JUMPS:
        return [(pc + last.imm) & MASK64]
    if last.name in BRANCHES:
        return [(pc + last.imm) & MASK64, block.end_pc]
    if last.name in ENDS_BLOCK:
        return []
    return [block.end_pc]
