"""Disassembly in the style of ``objdump -d -M no-aliases`` (aliases are never printed)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from .decode import decode
from .insn import Insn
from .table import BY_MNEMONIC

XREG_ABI: tuple[str, ...] = tuple(
    "zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
    "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6".split()
)
FREG_ABI: tuple[str, ...] = tuple(
    "ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
    "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11".split()
)
ROUNDING_MODES: dict[int, str] = {0: "rne", 1: "rtz", 2: "rdn", 3: "rup", 4: "rmm", 7: "dyn"}

CSR_NAMES: dict[int, str] = {
    0x001: "fflags",
    0x002: "frm",
    0x003: "fcsr",
    0x008: "vstart",
    0x009: "vxsat",
    0x00A: "vxrm",
    0x00F: "vcsr",
    0xC20: "vl",
    0xC21: "vtype",
    0xC22: "vlenb",
    0xC00: "cycle",
    0xC01: "time",
    0xC02: "instret",
    **{0xC00 + i: f"hpmcounter{i}" for i in range(3, 32)},
    0x100: "sstatus",
    0x104: "sie",
    0x105: "stvec",
    0x140: "sscratch",
    0x141: "sepc",
    0x142: "scause",
    0x143: "stval",
    0x144: "sip",
    0x180: "satp",
    0x300: "mstatus",
    0x301: "misa",
    0x304: "mie",
    0x305: "mtvec",
    0x340: "mscratch",
    0x341: "mepc",
    0x342: "mcause",
    0x343: "mtval",
    0x344: "mip",
    0xF11: "mvendorid",
    0xF12: "marchid",
    0xF13: "mimpid",
    0xF14: "mhartid",
}


# Zfa fli's constants by rs1, as GNU objdump spells them ("min": the smallest normal number).
FLI_OPERANDS: tuple[str, ...] = tuple(
    "-1.0 min 1.52587890625e-05 3.0517578125e-05 0.00390625 0.0078125 0.0625 0.125 0.25 0.3125 "
    "0.375 0.4375 0.5 0.625 0.75 0.875 1.0 1.25 1.5 1.75 2.0 2.5 3.0 4.0 8.0 16.0 128.0 256.0 "
    "32768.0 65536.0 inf nan".split()
)


# vtype's fields as GNU objdump 2.40 names them (``vsetvli a0,a1,e32,m2,ta,mu``); it prints a
# vtype with SEW > 64 (vsew >= 4), a reserved LMUL or bits above 7 as a number.
VSEW_NAMES: tuple[str, ...] = ("e8", "e16", "e32", "e64")
VLMUL_NAMES: tuple[str | None, ...] = ("m1", "m2", "m4", "m8", None, "mf8", "mf4", "mf2")


def vtype_text(vtype: int) -> str:
    """A vtype immediate as objdump prints it: its fields, or the number when reserved."""
    lmul = VLMUL_NAMES[vtype & 7]
    if vtype >> 8 or lmul is None or vtype >> 3 & 7 >= len(VSEW_NAMES):
        return str(vtype)
    ta, ma = "ta" if vtype >> 6 & 1 else "tu", "ma" if vtype >> 7 & 1 else "mu"
    return f"{VSEW_NAMES[vtype >> 3 & 7]},{lmul},{ta},{ma}"


def _fence_set(bits: int) -> str:
    s = "".join(c for c, b in zip("iorw", (8, 4, 2, 1), strict=True) if bits & b)
    return s or "unknown"  # objdump's spelling of an empty set


def format_insn(insn: Insn, pc: int, *, numeric: bool = False) -> str:
    """``mnemonic<TAB>operands`` as objdump prints it with ``-M no-aliases`` (and ``numeric``).

    Branch and jump targets are absolute addresses in bare hex, as objdump prints them.
    """
    row = BY_MNEMONIC[insn.mnemonic]
    x = [f"x{i}" for i in range(32)] if numeric else XREG_ABI
    f = [f"f{i}" for i in range(32)] if numeric else FREG_ABI
    mnemonic = insn.mnemonic
    if "amo" in row.flags and not row.compressed:
        mnemonic += (
            ".aqrl" if insn.aq and insn.rl else ".aq" if insn.aq else ".rl" if insn.rl else ""
        )
    ops: list[str] = []
    for tok in row.fmt.syntax.split(",") if row.fmt.syntax else ():
        if tok in ("rd", "rs1", "rs2"):
            ops.append(x[getattr(insn, tok)])
        elif tok in ("fd", "fs1", "fs2", "fs3"):
            ops.append(f[getattr(insn, "rd" if tok == "fd" else "r" + tok[1:])])
        elif tok == "imm":
            ops.append(str(insn.imm))
        elif tok == "shamt":
            ops.append(hex(insn.imm))
        elif tok == "hi20":
            ops.append(hex((insn.imm >> 12) & 0xFFFFF))
        elif tok == "mem":
            ops.append(f"{insn.imm}({x[insn.rs1]})")
        elif tok == "amem":
            ops.append(f"({x[insn.rs1]})")
        elif tok == "target":
            ops.append(f"{(pc + insn.imm) & 0xFFFFFFFFFFFFFFFF:x}")
        elif tok == "csr":
            ops.append(CSR_NAMES.get(insn.csr, hex(insn.csr)))
        elif tok == "zimm":
            ops.append(str(insn.rs1))
        elif tok == "fence":
            ops.append(f"{_fence_set(insn.imm >> 4)},{_fence_set(insn.imm & 15)}")
        elif tok == "rm":
            if insn.rm != 7:
                ops.append(ROUNDING_MODES[insn.rm])
        elif tok == "fli":
            ops.append(FLI_OPERANDS[insn.rs1])
        elif tok in ("vd", "vs1", "vs2"):
            ops.append(f"v{getattr(insn, 'rd' if tok == 'vd' else 'r' + tok[1:])}")
        elif tok == "vm":
            if not insn.vm:
                ops.append("v0.t")
        elif tok == "v0":
            ops.append("v0")
        elif tok == "vtype":
            ops.append(vtype_text(insn.imm))
        else:  # pragma: no cover - the table only uses the tokens above
            raise ValueError(f"unknown operand token {tok!r}")
    return f"{mnemonic}\t{','.join(ops)}" if ops else mnemonic


def _walk(code: bytes, base: int) -> Iterator[tuple[int, Insn | None, int, int]]:
    off, n = 0, len(code)
    while off + 2 <= n:
        half = code[off] | code[off + 1] << 8
        if half & 3 != 3:
            yield base + off, decode(half), half, 2
            off += 2
        elif off + 4 <= n:
            word = int.from_bytes(code[off : off + 4], "little")
            yield base + off, decode(word), word, 4
            off += 4
        else:
            yield base + off, None, half, 2
            return


def disassemble(code: bytes, base: int) -> Iterator[tuple[int, Insn | None, int]]:
    """Walk ``code`` (loaded at ``base``) yielding ``(pc, insn or None, raw)`` per instruction.

    ``raw`` is the 16- or 32-bit instruction; an illegal one advances by its encoded length. A
    trailing fragment too short for its length is yielded as ``(pc, None, halfword)``.
    """
    for pc, insn, raw, _ in _walk(code, base):
        yield pc, insn, raw


def _raw_text(raw: int, size: int) -> str:
    return f"{raw:08x}          " if size == 4 else f"{raw:04x}                "


def disassemble_code(code: bytes, base: int, *, numeric: bool = False) -> list[str]:
    """``addr:<TAB>raw<TAB>text`` lines, ``.word``/``.short`` for illegal instructions."""
    lines = []
    for pc, insn, raw, size in _walk(code, base):
        if insn is not None:
            text = format_insn(insn, pc, numeric=numeric)
        elif size == 4:
            text = f".word\t{raw:#010x}\t# unknown"
        else:
            text = f".short\t{raw:#06x}\t# unknown"
        lines.append(f"{pc:8x}:\t{_raw_text(raw, size)}\t{text}")
    return lines


def disassemble_elf(data: bytes, *, numeric: bool = False) -> str:
    """List every executable section (or, without section headers, executable segment)."""
    from elftools.elf.constants import P_FLAGS, SH_FLAGS
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    elf = ELFFile(io.BytesIO(data))
    labels: dict[int, str] = {}
    for sec in elf.iter_sections():
        if isinstance(sec, SymbolTableSection):
            for sym in sec.iter_symbols():
                if sym["st_info"]["type"] == "STT_FUNC" and sym.name:
                    labels.setdefault(sym["st_value"], sym.name)
    chunks: list[tuple[str, int, bytes]] = [
        (sec.name, sec["sh_addr"], sec.data())
        for sec in elf.iter_sections()
        if sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR and sec["sh_type"] != "SHT_NOBITS"
    ]
    if not chunks:
        chunks = [
            (f"segment {i}", seg["p_vaddr"], seg.data()[: seg["p_filesz"]])
            for i, seg in enumerate(elf.iter_segments())
            if seg["p_type"] == "PT_LOAD" and seg["p_flags"] & P_FLAGS.PF_X
        ]
    out: list[str] = []
    for title, addr, code in chunks:
        out.append(f"\nDisassembly of {title}:")
        for line in disassemble_code(code, addr, numeric=numeric):
            pc = int(line.split(":", 1)[0], 16)
            if pc in labels:
                out.append(f"\n{pc:016x} <{labels[pc]}>:")
            out.append(line)
    return "\n".join(out) + "\n"
