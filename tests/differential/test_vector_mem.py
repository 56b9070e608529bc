"""RVV 1.0's strided, indexed, segment and fault-only-first loads and stores, against qemu 10.

One generated guest program (tests/differential/vecgen.py) runs each of them over SEWs and
LMULs (every EMUL 1/8..8 comes up), at several vl, unmasked and masked: strides positive
(misaligned), zero and negative; indices (zero-extended byte offsets, the top bit set) permuted
and repeated; each nf with each EEW at a (rotating) SEW/LMUL; fault-only-first loads running
into an unmapped page (vl trimmed to the first active element there); resumed at vstart = 3;
tail agnostic; the index overlaps the spec allows. It records v8..v15, the store area, vl. A
SIGILL/SIGSEGV handler in the program records the illegal cases (EMUL out of range, misaligned
groups, nf * EMUL > 8, segments past v31, a masked vd = v0 or indices in v0, the index overlaps
qemu rejects) and faults in the middle of an access (the signal, vstart = the faulting element,
the elements before it done), and resumes after them; vector stores into code that has run must
change what runs next. Some illegal cases and faults also run alone (the process dies).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import LMUL_VALUE, SEWS, TIERS, VCPU, Gen, legal, vls

pytestmark = pytest.mark.all_tiers
MARCH = vecgen.MARCH
NFS = range(2, 9)
SEG = ["", *[f"seg{n}" for n in NFS]]
UNIT = [f"{m}seg{n}e{e}.v" for m in ("vl", "vs") for n in NFS for e in SEWS]
FF = [f"vl{s}e{e}ff.v" for s in SEG for e in SEWS]
STRIDED = [f"{m}s{s}e{e}.v" for m in ("vl", "vs") for s in SEG for e in SEWS]
INDEXED = [f"{m}{o}{s or ''}ei{e}.v" for m in ("vl", "vs") for o in ("ux", "ox") for s in SEG
           for e in SEWS]  # fmt: skip
COVERED = UNIT + FF + STRIDED + INDEXED
# a few (SEW, LMUL) per EEW: every EMUL 1/8..8 comes up, one fractional LMUL and m8 each
CONFIGS = [(8, "mf8"), (8, "m1"), (16, "mf2"), (16, "m4"), (32, "m2"), (64, "m1"), (64, "m8")]


def emul(eew: int, sew: int, lmul: str) -> float:
    return eew / sew * LMUL_VALUE[lmul]


def _index_setup(g: Gen, ieew: int, mask: int) -> None:
    """v24..v31 = indices at EEW ieew: ((k * 8) ^ 0x95) & mask, and 5 for every 7th (repeats)."""
    g.emit(f"vsetvli t0, zero, e{ieew}, m8, ta, mu", "vid.v v24", "vsll.vi v24, v24, 3")
    g.emit("li a1, 0x95", "vxor.vx v24, v24, a1", f"li a1, {mask}", "vand.vx v24, v24, a1")
    g.emit("vid.v v16", "vand.vi v16, v16, 7", "vmseq.vi v1, v16, 6", "vmv1r.v v2, v0")
    g.emit("vmv1r.v v0, v1", "vmerge.vim v24, v24, 5, v0", "vmv1r.v v0, v2")
    g.emit("vl8re8.v v16, (s4)")  # (v16.. the pattern again: the stores' data)


def _fits(name: str, eew: int, nf: int, sew: int, lmul: str) -> bool:
    """Whether qemu 10 runs instruction `name` at this SEW and LMUL: the EEW operand's EMUL
    within 1/8..8, nf * the data's EMUL <= 8."""
    data = LMUL_VALUE[lmul] if "ei" in name else emul(eew, sew, lmul)
    return legal(sew, lmul) and 1 / 8 <= emul(eew, sew, lmul) <= 8 and nf * max(data, 1) <= 8


def _cases(
    g: Gen,
    name: str,
    cfgs: list[tuple[int, str]],
    eew: int,
    nf: int,
    op: str,
    base: int,
    few: bool = False,
) -> None:
    """Each (SEW, LMUL) of cfgs that fits, each vl (few: a partial vl and VLMAX), unmasked and
    masked: the load into v8 from `pattern` + base or the store of v16 to `area` + base; `op`
    is what follows the address ("", ", a3" or ", v24")."""
    load = name.startswith("vl")
    for sew, lmul in cfgs:
        if not _fits(name, eew, nf, sew, lmul):
            continue
        for avl in vls(sew, lmul)[-2:] if few else vls(sew, lmul):
            if avl == 0 and not load and (sew, lmul) != cfgs[0]:
                continue  # (a store of vl = 0 once per instruction)
            for vm in ("", ", v0.t"):
                case = f"{name} e{sew} {lmul} avl={avl}{vm}"
                g.setup(sew, lmul, avl, "tu")
                if load:
                    g.emit(f"addi a2, s5, {base}")
                    g.emit(f"{name} v8, (a2){op}{vm}", "csrr t1, vl")
                    g.group(case)
                    if "ff" in name:
                        g.record("t1", f"{case}: vl")
                else:
                    g.emit("lla a2, area", f"addi a2, a2, {base}")
                    g.emit(f"{name} v16, (a2){op}{vm}")
                    g.memory(case)


def _program() -> tuple[str, list[str]]:
    g = Gen()
    _handlers(g)
    g.load_all()
    # (loads read `pattern` (576 bytes) and `area` after it; stores write `area` (256 bytes))
    for eew in SEWS:
        eb = eew // 8
        cfgs = [c for c in CONFIGS if 1 / 8 <= emul(eew, *c) <= 8]
        # strided: positive (misaligned), zero and negative strides
        for stride, some in ((2 * eb + 1, cfgs[::2]), (0, cfgs[1:2]), (-eb, cfgs[1::2])):
            g.emit(f"li a3, {stride}")
            _cases(g, f"vlse{eew}.v", some, eew, 1, ", a3", 256)
        for stride, base, some in (
            (0, 136, cfgs[:1]),
            (-eb, 136, cfgs[1::2]),
            (eb + 1, 0, cfgs[::2]),
        ):
            g.emit(f"li a3, {stride}")
            _cases(g, f"vsse{eew}.v", some, eew, 1, ", a3", base)
        _cases(g, f"vle{eew}ff.v", cfgs, eew, 1, "", 64)  # (no fault here)
        # indexed: loads over 0..255 (the top bit set), stores within 0..127
        # (the ordered and unordered forms do the same: each over half the configurations)
        for m, some in (("ux", cfgs[::2]), ("ox", cfgs[1::2])):
            _index_setup(g, eew, 0xFF if eew == 8 else 0x1FF)
            _cases(g, f"vl{m}ei{eew}.v", some, eew, 1, ", v24", 0)
            _index_setup(g, eew, 0x7F)
            _cases(g, f"vs{m}ei{eew}.v", some, eew, 1, ", v24", 0)
    _segments(g)
    _ff_faults(g)
    _traps(g)
    _unit_pages(g)
    _index_overlaps(g)
    _vstart_and_ta(g)
    _unrolled(g)
    _self_modifying(g)
    return g.source(), g.what


def _index_overlaps(g: Gen) -> None:
    """Indexed loads whose destination overlaps the index group where the spec allows it: vd =
    vs2 (index EEW > SEW), vs2 the highest part of vd's group (index EEW < SEW, EMUL >= 1)."""
    for sew, lmul, insn in (
        (8, "m1", "vluxei16.v v8, (s5), v8"),
        (8, "m2", "vloxei16.v v8, (s5), v8"),
        (8, "mf2", "vluxei64.v v8, (s5), v8"),
        (16, "m2", "vloxei8.v v8, (s5), v9"),
        (32, "m4", "vluxei8.v v8, (s5), v11"),
    ):
        for vm in ("", ", v0.t"):
            g.setup(sew, lmul, 1000, "tu")
            g.emit("vsetvli t0, zero, e16, m8, ta, mu", "li a1, 0x1FF", "vand.vx v8, v8, a1")
            g.emit("vsetvli t0, zero, e64, m8, ta, mu", "li a1, 0x1FF", "vand.vx v8, v8, a1")
            g.emit(f"vsetvli t0, zero, e{sew}, {lmul}, tu, mu", insn + vm)
            g.group(f"{insn}{vm} e{sew} {lmul}")


def _vstart_and_ta(g: Gen) -> None:
    """Accesses starting at vstart = 3 (the elements below it stay), then vstart = 0; and tail
    agnostic (qemu 10 leaves the tail as it is), stride x0."""
    g.emit("li a3, 12")
    for insn in (
        "vlse16.v v8, (a2), a3",
        "vluxei8.v v8, (a2), v24",
        "vlseg3e16.v v8, (a2)",
        "vle16ff.v v8, (a2)",
        "vlseg2e8ff.v v8, (a2), v0.t",
        "vsse16.v v16, (a4), a3",
        "vsoxseg2ei8.v v16, (a4), v24",
        "vlse64.v v8, (a2), zero",
    ):
        for tail, vstart in (("tu", 3), ("ta", 0)):
            g.setup(16, "m1", 7, tail)
            g.emit("addi a2, s5, 32", "lla a4, area", f"csrwi vstart, {vstart}", insn)
            g.emit("csrr t1, vstart", "csrr t2, vl")
            g.record("t1", f"{insn} {tail} vstart={vstart}: vstart after")
            g.record("t2", f"{insn} {tail} vstart={vstart}: vl after")
            if insn.startswith("vs"):
                g.memory(f"{insn} {tail} vstart={vstart}")
            else:
                g.group(f"{insn} {tail} vstart={vstart}")


# Strided accesses at vl = VLMAX right after a constant vsetvli (the JIT's unrolled path: every
# element's page checked first, else the exact path) around s10's mapping of 4 pages whose page 2
# is unmapped: (SEW, LMUL, EEW, load, offset from s10, stride, the element that faults or None)
UNROLLED_STRIDED = [
    (32, "m1", 32, True, 8192 - 40, 16, 3),
    (32, "m1", 32, True, 12288 + 40, -16, 3),  # negative stride down into page 2
    (32, "m2", 32, True, 8192 - 4, 0, None),
    (32, "m1", 32, True, 12288 - 4, 0, 0),
    (8, "m1", 8, True, 8192 - 16, 1, None),  # 16 elements up to the page's last byte
    (8, "m1", 8, True, 8192 - 15, 1, 15),
    (64, "m1", 64, True, 4096 - 4, 8, None),  # element 0 across two mapped pages
    (16, "m1", 16, True, 8192 - 13, 3, 4),  # element 4 across into page 2
    (32, "mf2", 32, True, 4096 + 16, 8192, None),  # pages 1 and 3, over page 2
    (32, "mf2", 32, True, 12288 + 16, -8192, None),
    (32, "mf2", 32, True, 4096 + 16, 4096, 1),
    (64, "m2", 16, True, 8192 - 24, 6, None),  # EEW < SEW
    (16, "mf4", 64, True, 8192 - 16, 8, None),  # EEW > SEW
    (32, "m1", 32, True, 16, 2000, None),  # large strides: every element's page checked
    (32, "m1", 32, True, 12288 + 16, -4096, 1),
    (8, "m1", 8, True, 4096, 300, 14),
    (8, "m1", 8, False, 4096, 290, 15),
    (32, "m1", 32, False, 8192 - 40, 16, 3),
    (64, "m1", 64, False, 12288 + 4, -8, 1),
    (16, "mf2", 16, False, 8192 - 32, 6, None),
    (8, "m1", 8, False, 8192 - 16, -1, None),
]
# Indexed accesses there (base s10 + 4096: page 1): (instruction, SEW, LMUL, index EEW,
# indices, the element that faults or None)
UNROLLED_INDEXED = [
    ("vluxei32.v", 32, "m1", 32, [0, 4092, 8192, 8], None),
    ("vluxei32.v", 32, "m1", 32, [0, 4092, 4104, 8192], 2),  # index 2 on page 2
    ("vloxei32.v", 32, "m1", 32, [0, 4092, 4104, 8192], 2),
    ("vluxei32.v", 32, "m1", 32, [4094, 0, 8192, 8], 0),  # element 0 across into page 2
    ("vluxei64.v", 32, "mf2", 64, [8204, 4096], 1),
    ("vluxei64.v", 32, "mf2", 64, [-2, 8204], None),  # element 0 across pages 0 and 1
    ("vloxei64.v", 32, "mf2", 64, [8204, 16], None),
    ("vluxei8.v", 8, "m1", 8, [k * 7 for k in range(16)], None),
    ("vsuxei32.v", 32, "m1", 32, [4000, 4092, 4104, 8192], 2),
    ("vsoxei32.v", 32, "m1", 32, [4000, 4092, 8192, 4008], None),
    ("vsoxei16.v", 16, "mf2", 16, [4000, 4095, 4008, 4002], 1),
]


def _unrolled(g: Gen) -> None:
    """UNROLLED_STRIDED and UNROLLED_INDEXED (a fault: the handler's records, the elements
    before it done); then vstart = 3 at vl = VLMAX (the exact path). The loads record v8..v15,
    the stores the 128 bytes before page 2 (and the first 128 of page 3)."""
    g.emit("li a0, 0", "li a1, 16384", "li a2, 3", "li a3, 0x22", "li a4, -1", "li a5, 0")
    g.emit("li a7, 222", "ecall", "mv s10, a0", "li t0, 8192", "add a0, a0, t0", "li a1, 4096")
    g.emit("li a7, 215", "ecall", "vl8re8.v v16, (s5)")
    for off in (4096 - 64, 8192 - 128, 12288):  # the pattern there (v16..v23)
        g.emit(f"li t0, {off}", "add t0, t0, s10", "vs8r.v v16, (t0)")

    def after(name: str, load: bool, fault: int | None) -> None:
        if fault is not None:
            _trap(g, name)
        if load:
            g.group(name)
            return
        for off in (8192 - 128, 12288):
            g.emit(f"li t0, {off}", "add t0, t0, s10", "vl8re8.v v8, (t0)")
            g.group(f"{name}: memory at {off}")

    for sew, lmul, eew, load, off, stride, fault in UNROLLED_STRIDED:
        insn = f"vlse{eew}.v v8" if load else f"vsse{eew}.v v16"
        g.setup(sew, lmul, 1000, "tu")
        g.emit(f"li a0, {off}", "add a0, a0, s10", f"li a1, {stride}", f"{insn}, (a0), a1")
        after(f"{insn} e{sew} {lmul} at s10 + {off} stride {stride}", load, fault)
    for name, sew, lmul, ieew, idx, fault in UNROLLED_INDEXED:
        load = name.startswith("vl")
        for k, x in enumerate(idx):  # the indices: v4 (from page 0)
            g.emit(f"li t0, {x}", f"s{'bhwd'[ieew.bit_length() - 4]} t0, {k * ieew // 8}(s10)")
        g.emit(f"vsetivli zero, {len(idx)}, e{ieew}, m1, ta, ma", f"vle{ieew}.v v4, (s10)")
        g.setup(sew, lmul, 1000, "tu")
        g.emit("li a0, 4096", "add a0, a0, s10", f"{name} v{8 if load else 16}, (a0), v4")
        after(f"{name} e{sew} {lmul} indices {idx}", load, fault)
    g.emit("addi a2, s5, 32", "lla a4, area", "li a3, 6")
    for insn in ("vlse16.v v8, (a2), a3", "vluxei8.v v8, (a2), v4", "vsse16.v v16, (a4), a3"):
        g.setup(16, "m1", 1000, "tu")
        g.emit("csrwi vstart, 3", insn, "csrr t1, vstart")
        g.record("t1", f"{insn} vl = VLMAX vstart=3: vstart after")
        if insn.startswith("vs"):
            g.memory(f"{insn} vl = VLMAX vstart=3")
        else:
            g.group(f"{insn} vl = VLMAX vstart=3")


def _self_modifying(g: Gen) -> None:
    """Vector stores into a page of code that has run (no fence.i: the store itself must end
    what was translated from it): each writes ``li a0, N`` (and ``ret``) that then runs."""
    g.emit("li a0, 0", "li a1, 4096", "li a2, 7", "li a3, 0x22", "li a4, -1", "li a5, 0")
    g.emit("li a7, 222", "ecall", "mv s8, a0", "li t0, 0x00100513", "sw t0, 0(s8)")
    g.emit("li t0, 0x00008067", "sw t0, 4(s8)", "fence.i", "jalr s8")
    g.record("a0", "code before the vector stores")
    g.emit("vsetivli zero, 1, e32, m1, tu, mu", "vmv.v.i v4, 0", "li t1, 0x00008067")
    for n, insn in enumerate(
        ("vsse32.v v1, (s8), zero", "vsuxei32.v v1, (s8), v4", "vsseg2e32.v v1, (s8)",
         "vsoxseg2ei8.v v1, (s8), v4", "vssseg2e32.v v1, (s8), zero"), 2
    ):  # fmt: skip
        # v1 = li a0, n; v2 = ret (the second field of the segment stores)
        g.emit(f"li t0, {n << 20 | 0x513:#x}", "vmv.s.x v1, t0", "vmv.s.x v2, t1")
        g.emit(insn, "jalr s8")
        g.record("a0", f"code after {insn}")
    # unit-stride and whole-register stores (their one-copy path): v3 = li a0, n; ret; ret; ret
    for n, (vl, insn) in enumerate(((2, "vse32.v v3, (s8)"), (4, "vs1r.v v3, (s8)")), 7):
        g.emit(f"vsetivli zero, {vl}, e32, m1, tu, mu", "vmv.v.x v3, t1")
        g.emit(f"li t0, {n << 20 | 0x513:#x}", "vmv.s.x v3, t0", insn, "jalr s8")
        g.record("a0", f"code after {insn}")
    # at vl = VLMAX after a constant vsetvli (the JIT's unrolled path; a page of code: the exact)
    for n, insn in enumerate(("vsse32.v v5, (s8), a1", "vsuxei32.v v5, (s8), v6"), 9):
        g.emit(
            "vsetivli zero, 2, e32, mf2, tu, mu", "vmv.v.x v5, t1", f"li t0, {n << 20 | 0x513:#x}"
        )
        g.emit("vmv.s.x v5, t0", "vid.v v6", "vsll.vi v6, v6, 2", "li a1, 4", insn, "jalr s8")
        g.record("a0", f"code after {insn} at vl = VLMAX")


def _handlers(g: Gen) -> None:
    """A SIGILL and SIGSEGV handler that records the signal number and vstart (then sets vstart
    to 0, in the frame too) and resumes after the instruction (saved pc + 4, saved s2 past the
    records); s7 = an unmapped page (the second of a fresh 8 KiB mapping)."""
    g.emit("j 2f", "1:", "ld t0, 176(a2)", "addi t0, t0, 4", "sd t0, 176(a2)", "csrr t1, vstart")
    g.emit("ld t2, 320(a2)", "sd a0, 0(t2)", "sd t1, 8(t2)", "addi t2, t2, 16", "sd t2, 320(a2)")
    # vstart = 0 on return: Linux restores it from the frame's vector record (__riscv_v_ext_state,
    # its header at ucontext + 952, vstart its first field); qemu writes no record and keeps the
    # register as the handler leaves it
    g.emit("lwu t0, 952(a2)", "li t1, 0x53465457", "bne t0, t1, 3f", "sd zero, 960(a2)", "3:")
    g.emit("csrwi vstart, 0", "ret", "2:", "addi sp, sp, -32", "lla t0, 1b", "sd t0, 0(sp)")
    g.emit("li t0, 4", "sd t0, 8(sp)", "sd zero, 16(sp)")
    for sig in (4, 11):
        g.emit(f"li a0, {sig}", "mv a1, sp", "li a2, 0", "li a3, 8", "li a7, 134", "ecall")
    g.emit("li a0, 0", "li a1, 8192", "li a2, 3", "li a3, 0x22", "li a4, -1", "li a5, 0")
    g.emit("li a7, 222", "ecall", "li t0, 4096", "add s7, a0, t0", "mv a0, s7", "li a1, 4096")
    g.emit("li a7, 215", "ecall")


def _trap(g: Gen, name: str) -> None:
    """The handler's two records of the instruction just run."""
    g.what += [f"{name}: signal", f"{name}: vstart"]


def _traps(g: Gen) -> None:
    """The illegal cases (SIGILL, vstart 0, nothing written) and faults in the middle of an
    access (SIGSEGV with vstart = the faulting element; the elements before it done)."""
    for name, lines in ILLEGAL.items():
        g.setup(8, "m1", 1000, "tu")
        g.emit(*lines[:-1], lines[-1].replace("(sp)", "(s5)"))
        _trap(g, name)
        g.group(name)
    for insn in TRAPS:
        g.setup(32, "m2", 1000, "tu")
        g.emit("vid.v v4", "vsll.vi v4, v4, 2", "li a1, 4", "addi a0, s7, -8", "mv a2, s7")
        g.emit("lla a3, area", "li a4, 0x100")
        g.emit(insn)
        _trap(g, insn)
        g.group(insn)


# Unit-stride accesses near the unmapped page s7 (their one-copy path's page test): (SEW, LMUL,
# AVL, vstart, instruction, bytes before the page); each faults: SIGSEGV, vstart = the first
# element on that page
UNIT_TRAPS = [
    (32, "m2", 5, 0, "vle32.v v8, (a0)", 12),  # vl < VLMAX
    (8, "m1", 1000, 0, "vle8.v v8, (a0)", 7),
    (64, "m4", 1000, 0, "vle64.v v8, (a0)", 40),
    (32, "m2", 5, 0, "vse32.v v16, (a0)", 12),
    (16, "m1", 1000, 0, "vse16.v v16, (a0)", 2),
    (32, "m1", 1000, 1, "vle32.v v8, (a0)", 8),  # vstart != 0
    (32, "m1", 1000, 2, "vse32.v v16, (a0)", 12),
    (8, "m1", 1000, 0, "vl4re16.v v8, (a0)", 20),
    (8, "m1", 1000, 0, "vs1r.v v16, (a0)", 4),
    (8, "m8", 1000, 0, "vlm.v v8, (a0)", 3),
    (8, "m8", 1000, 0, "vsm.v v16, (a0)", 15),
    (8, "m1", 1000, 0, "vle8.v v8, (a0)", 0),
]


def _unit_pages(g: Gen) -> None:
    """UNIT_TRAPS; then unit-stride accesses ending at the last byte before the unmapped page,
    and crossing between two mapped pages (s9: a fresh 8 KiB mapping), whole and partial."""
    for sew, lmul, avl, vstart, insn, back in UNIT_TRAPS:
        name = f"{insn} e{sew} {lmul} avl {avl} vstart {vstart}, {back} bytes before the page"
        g.setup(sew, lmul, avl, "tu")
        g.emit(f"addi a0, s7, -{back}", f"csrwi vstart, {vstart}", insn)
        _trap(g, name)
        g.group(name)
    g.emit("li a0, 0", "li a1, 8192", "li a2, 3", "li a3, 0x22", "li a4, -1", "li a5, 0")
    g.emit("li a7, 222", "ecall", "mv s9, a0")
    for sew, lmul, avl, reg, off, whole in (
        (32, "m2", 1000, "s7", -32, 2),
        (32, "m2", 1000, "s9", 4084, 8),
        (16, "m4", 19, "s9", 4070, 4),
        (64, "m8", 1000, "s9", 4032, 8),
        (8, "m1", 1000, "s9", 4088, 1),
    ):
        name = f"vse/vle{sew} {lmul} avl {avl} at {reg} + {off}"
        g.setup(sew, lmul, avl, "tu")
        g.emit(f"li a0, {off}", f"add a0, a0, {reg}", f"vse{sew}.v v16, (a0)")
        g.emit(f"vle{sew}.v v8, (a0)")
        g.group(name)
        g.emit(f"vl{whole}re8.v v8, (a0)")
        g.group(f"{name}: whole register")


def _segments(g: Gen) -> None:
    """Each nf and EEW of each kind: at one (SEW, LMUL) with nf * EMUL <= 8 (a different one
    from row to row), a partial vl and VLMAX, unmasked and masked."""
    turn = 0
    for nf in NFS:
        for eew in SEWS:
            eb = eew // 8
            rows: list[tuple[str, str, int]] = [
                (f"vlseg{nf}e{eew}.v", "", 64),
                (f"vlseg{nf}e{eew}ff.v", "", 64),
                (f"vsseg{nf}e{eew}.v", "", 0),
                (f"vlsseg{nf}e{eew}.v", f", a3 {nf * eb + 1}", 256),
                (f"vssseg{nf}e{eew}.v", f", a3 {-nf * eb}", 128),
            ]
            rows += [(f"v{d}{m}seg{nf}ei{eew}.v", ", v24", 0) for m in ("ux", "ox") for d in "ls"]
            for name, op, base in rows:
                if op.startswith(", a3"):
                    g.emit(f"li a3, {op.split()[-1]}")
                    op = ", a3"
                elif op:  # indices: loads over 0..255 (0..511), stores within 0..127
                    mask = 0xFF if eew == 8 else 0x1FF
                    _index_setup(g, eew, 0x7F if name.startswith("vs") else mask)
                ok = [c for c in CONFIGS if _fits(name, eew, nf, *c)]
                turn += 1
                _cases(g, name, [ok[turn % len(ok)]], eew, nf, op, base, few=True)


def _ff_faults(g: Gen) -> None:
    """Fault-only-first loads starting before an unmapped page (s7 = its address): vl becomes
    the first element on it (masked-off elements there are not accessed)."""
    for name, sew, lmul, back in (
        ("vle8ff.v", 8, "m1", 5),
        ("vle16ff.v", 16, "m2", 6),
        ("vle32ff.v", 32, "m1", 12),
        ("vle64ff.v", 64, "m4", 40),
        ("vle32ff.v", 16, "mf2", 9),
        ("vlseg3e16ff.v", 16, "m1", 20),
        ("vlseg2e8ff.v", 8, "m2", 7),
        ("vlseg8e64ff.v", 64, "m1", 64),
    ):
        for vm in ("", ", v0.t"):
            case = f"{name} e{sew} {lmul} {back} bytes before the page{vm}"
            g.setup(sew, lmul, 1000, "tu")
            g.emit(f"addi a2, s7, -{back}", f"{name} v8, (a2){vm}", "csrr t1, vl")
            g.group(case)
            g.record("t1", f"{case}: vl")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vmem") / "vmem.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_vector_memory_instructions_match_qemu10(
    program: tuple[Path, list[str], bytes], tier: str
) -> None:
    vecgen.check(*program, tier)


# The illegal cases: each is SIGILL in the program above (vill: the last one, after vsetvli
# with a reserved vtype); some (SIGILL_ALONE) also alone, the process dying with SIGILL.
ILLEGAL = {
    "vlse EMUL above 8": ["vsetvli t0, zero, e8, m2, ta, ma", "vlse64.v v8, (sp), a0"],
    "vlse misaligned vd": ["vsetvli t0, zero, e8, m1, ta, ma", "vlse16.v v3, (sp), a0"],
    "vlse masked vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vlse8.v v0, (sp), a0, v0.t"],
    "vluxei index EMUL above 8": ["vsetvli t0, zero, e8, m2, ta, ma", "vluxei64.v v8, (sp), v16"],
    "vloxei misaligned vs2": ["vsetvli t0, zero, e8, m1, ta, ma", "vloxei16.v v8, (sp), v3"],
    "vsuxei misaligned vs3": ["vsetvli t0, zero, e32, m2, ta, ma", "vsuxei8.v v9, (sp), v4"],
    "vluxei vd overlaps a wider index": [
        "vsetvli t0, zero, e8, m1, ta, ma", "vluxei16.v v3, (sp), v2"],
    "vloxei vd overlaps a narrower index low": [
        "vsetvli t0, zero, e16, m2, ta, ma", "vloxei8.v v4, (sp), v4"],
    "vluxseg2 vd overlaps the index": [
        "vsetvli t0, zero, e8, m1, ta, ma", "vluxseg2ei8.v v4, (sp), v5"],
    "vlseg nf * EMUL above 8": ["vsetvli t0, zero, e8, m4, ta, ma", "vlseg3e8.v v8, (sp)"],
    "vsseg past v31": ["vsetvli t0, zero, e8, m1, ta, ma", "vsseg4e8.v v30, (sp)"],
    "vlsseg misaligned": ["vsetvli t0, zero, e16, m2, ta, ma", "vlsseg2e16.v v1, (sp), a0"],
    "vlseg masked vd = v0": ["vsetvli t0, zero, e8, m1, ta, ma", "vlseg2e8.v v0, (sp), v0.t"],
    "vle16ff EMUL above 8": ["vsetvli t0, zero, e8, m8, ta, ma", "vle16ff.v v8, (sp)"],
    "vlseg2e8ff past v31": ["vsetvli t0, zero, e8, m2, ta, ma", "vlseg2e8ff.v v30, (sp)"],
    "vsoxseg8 nf * LMUL": ["vsetvli t0, zero, e64, m2, ta, ma", "vsoxseg8ei8.v v8, (sp), v1"],
    "vluxei masked, indices in v0": [
        "vsetvli t0, zero, e8, m1, ta, ma", "vluxei8.v v8, (sp), v0, v0.t"],
    "vsoxei masked, indices in v0": [
        "vsetvli t0, zero, e16, m1, ta, ma", "vsoxei8.v v8, (sp), v0, v0.t"],
    "vlse with vill": ["li a0, 4", "vsetvli t0, a0, 0x4", "vlse8.v v8, (sp), a0"],
}  # fmt: skip
SIGILL_ALONE = ["vlse EMUL above 8", "vluxseg2 vd overlaps the index", "vsseg past v31",
                "vle16ff EMUL above 8"]  # fmt: skip


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", SIGILL_ALONE)
def test_illegal_vector_memory_cases(name: str, tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)


# Faults in the middle of an access, in the program above: a0 = 8 bytes before an unmapped
# page, a2 = that page, a1 = 4, a3 = `area`, a4 = 0x100, v4 = 0, 4, 8, ... (e32, m2, vl = 8)
TRAPS = ["vlse32.v v8, (a0), a1", "vsse32.v v16, (a0), a1", "vluxei32.v v8, (a0), v4",
         "vsoxei32.v v16, (a0), v4", "vlseg2e32.v v8, (a0)", "vsseg2e16.v v16, (a0)",
         "vle32ff.v v8, (a2)", "vlseg4e32ff.v v8, (a0)", "vlsseg3e8.v v8, (a0), a4",
         "vsuxseg2ei32.v v16, (a0), v4", "vlseg2e32ff.v v8, (a2), v0.t"]  # fmt: skip
# ... and alone (a0 as above): the process dies with SIGSEGV, or not
SEGV = {"vsse32.v v2, (a0), a1": 139, "vle32ff.v v2, (a0)": 0, "vluxei32.v v2, (a0), v4": 139}


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("insn", sorted(SEGV))
def test_vector_memory_access_to_an_unmapped_page(insn: str, tier: str, tmp_path: Path) -> None:
    """SIGSEGV when an element is on the unmapped page, as under qemu 10 (fault-only-first:
    only on element 0)."""
    setup = ["li t0, 4096", "add s1, s1, t0", "li a1, 4", "vsetvli t0, zero, e32, m2, ta, ma"]
    setup += ["vid.v v4", "vsll.vi v4, v4, 2"]
    vecgen.check_status([*vecgen.NEAR_UNMAPPED_PAGE, *setup, insn], SEGV[insn], tier, tmp_path)
