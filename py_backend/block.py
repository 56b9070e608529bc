"""A translation block (`Block`) and finding one: decode guest code from pc until the TB must end.

Shared by the translator (translate/codegen.py), the TB cache (tbcache.py) and the expect tests;
it depends only on the instruction table, so none of them import each other for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import abi
from .isa import table
from .isa.decode import decode
from .isa.insn import Insn

MAX_BLOCK_INSNS = 64
MASK64 = (1 << 64) - 1

# From the table's flags. Instructions after which a TB ends: control transfers, traps into the
# host, fence.i.
BRANCHES = table.names_with("branch")
JUMPS = table.names_with("jump")
ENDS_BLOCK = table.names_with(*table.ENDS_BLOCK)


@dataclass(slots=True)
class Block:
    """A decoded translation block: what the translator found by walking guest code."""

    pc: int
    insns: list[tuple[int, Insn | None]]  # (pc, insn); None = illegal at that pc (ends the TB)
    end_pc: int  # first byte after the last instruction
    fetch_fault: bool = False  # the first instruction could not be fetched
    successors: list[int] = field(default_factory=list)  # static targets of goto_tb
    successors_by_slot: list[int | None] = field(default_factory=lambda: [None, None])
    # where its closing indirect jump went when tier 0 ran it (the profile), most frequent first
    indirect_targets: tuple[int, ...] = ()


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


# The link registers of the standard calling convention. The ISA manual's return-address-stack
# hints (RV64I, "jalr"): a jal/jalr writing x1 or x5 is a call; a jalr reading one of them
# and writing x0 is a return.
LINK_REGS = (1, 5)


def return_point(block: Block) -> int | None:
    """The pc a call ending the TB returns to (its next instruction), or None."""
    if not block.insns:
        return None
    last = block.insns[-1][1]
    if last is None or last.name not in ("jal", "jalr") or last.rd not in LINK_REGS:
        return None
    return block.end_pc


def indirect_site(block: Block) -> int | None:
    """The pc of the indirect jump that ends the TB, if it is not a return, else None."""
    if not block.insns:
        return None
    pc, last = block.insns[-1]
    if last is None or last.name != "jalr" or is_return(last):
        return None
    return pc


def is_return(insn: Insn) -> bool:
    """A jalr that pops the return-address stack: `ret` and its t0 twin."""
    return insn.name == "jalr" and insn.rd == 0 and insn.rs1 in LINK_REGS


def falls_through(block: Block) -> bool:
    """The TB ended at a page or size limit, not at a control transfer: its end is sure to run."""
    if not block.insns:
        return False
    last = block.insns[-1][1]
    return last is not None and last.name not in ENDS_BLOCK
