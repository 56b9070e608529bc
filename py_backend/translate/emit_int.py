"""Semantics of RV64 I, M, A, Zicsr and Zifencei, one small function per instruction group,
written against the `Ctx` emitter API.  Compressed instructions decode to these same names."""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..abi import ExitReason
from ..isa.insn import Insn
from ..isa.table import ATTRS
from ..wasm.builder import FunctionBuilder as FB
from .codegen import I32, I64, Ctx, trans, vector_off_check
from .operand import known

INT64_MIN = 1 << 63

# Wasm instructions as typed builder methods, keyed by the table's row attributes.
Op = Callable[[FB], None]
MemOp = Callable[[FB, int, int | None], None]

# --- upper immediates and jumps ----------------------------------------------------------------


@trans("lui")
def _lui(c: Ctx, i: Insn) -> None:
    c.push_i64(i.imm)
    c.set_x(i.rd)


@trans("auipc")
def _auipc(c: Ctx, i: Insn) -> None:
    c.push_i64(c.pc + i.imm)
    c.set_x(i.rd)


@trans("jal")
def _jal(c: Ctx, i: Insn) -> None:
    c.push_i64(c.next_pc)
    c.set_x(i.rd)
    c.goto_tb(0, c.pc + i.imm)
    c.ended = True


@trans("jalr")
def _jalr(c: Ctx, i: Insn) -> None:
    # "The target address is obtained by adding the sign-extended 12-bit I-immediate to the
    # register rs1, then setting the least-significant bit of the result to zero."  rs1 is read
    # before rd is written (rd may equal rs1).
    f = c.f
    t = c.tmp(I64)
    c.get_x(i.rs1)
    if known(i.imm) != 0:
        c.push_i64(i.imm)
        f.i64_add()
    f.i64_const(-2)
    f.i64_and()
    f.local_set(t)
    c.push_i64(c.next_pc)
    c.set_x(i.rd)
    c.goto_ptr(t)
    c.ended = True


_CMP: dict[tuple[str, bool], Op] = {  # (op, signed)
    ("eq", False): FB.i64_eq,
    ("ne", False): FB.i64_ne,
    ("lt", True): FB.i64_lt_s,
    ("ge", True): FB.i64_ge_s,
    ("lt", False): FB.i64_lt_u,
    ("ge", False): FB.i64_ge_u,
}


@trans("beq", "bne", "blt", "bge", "bltu", "bgeu")
def _branch(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    c.get_x(i.rs2)
    _CMP[at.op, at.signed](f)
    f.if_()
    c.goto_tb(1, c.pc + i.imm)
    f.end()
    c.goto_tb(0, c.next_pc)
    c.ended = True


# --- register-immediate and register-register arithmetic -------------------------------------

_ALU: dict[str, Op] = {
    "add": FB.i64_add,
    "sub": FB.i64_sub,
    "xor": FB.i64_xor,
    "or": FB.i64_or,
    "and": FB.i64_and,
    "sll": FB.i64_shl,
    "srl": FB.i64_shr_u,
    "sra": FB.i64_shr_s,
    "mul": FB.i64_mul,
}


@trans("add", "sub", "xor", "or", "and", "sll", "srl", "sra", "mul")
def _alu(c: Ctx, i: Insn) -> None:
    # Wasm shifts take the count modulo 64, as RV64 takes rs2[5:0].
    c.get_x(i.rs1)
    c.get_x(i.rs2)
    _ALU[ATTRS[i.name].op](c.f)
    c.set_x(i.rd)


@trans("addi", "xori", "ori", "andi", "slli", "srli", "srai")
def _alu_imm(c: Ctx, i: Insn) -> None:
    if known(i.rd) == 0:
        return  # hints and nops
    op = ATTRS[i.name].op
    if op == "add" and known(i.rs1) == 0:
        c.push_i64(i.imm)
    else:
        c.get_x(i.rs1)
        if known(i.imm) != 0 or op == "and":  # x op 0 == x, but for and
            c.push_i64(i.imm)
            _ALU[op](c.f)
    c.set_x(i.rd)


_ALU_W: dict[str, Op] = {
    "add": FB.i32_add,
    "sub": FB.i32_sub,
    "sll": FB.i32_shl,
    "srl": FB.i32_shr_u,
    "sra": FB.i32_shr_s,
    "mul": FB.i32_mul,
}


@trans("addw", "subw", "sllw", "srlw", "sraw", "mulw")
def _alu_w(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.f.i32_wrap_i64()
    c.get_x(i.rs2)
    c.f.i32_wrap_i64()
    _ALU_W[ATTRS[i.name].op](c.f)
    c.set_x_i32s(i.rd)


@trans("addiw", "slliw", "srliw", "sraiw")
def _alu_w_imm(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.f.i32_wrap_i64()
    c.push_i32(i.imm)
    _ALU_W[ATTRS[i.name].op](c.f)
    c.set_x_i32s(i.rd)


@trans("slt", "sltu", "slti", "sltiu")
def _slt(c: Ctx, i: Insn) -> None:
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    if at.imm:
        c.push_i64(i.imm)  # sltiu compares against the sign-extended immediate, unsigned
    else:
        c.get_x(i.rs2)
    c.f.i64_lt_s() if at.signed else c.f.i64_lt_u()
    c.f.i64_extend_i32_u()
    c.set_x(i.rd)


# --- M: multiply high and division ------------------------------------------------------------


def _mulhu(c: Ctx, a: int, b: int) -> None:
    """Push the high 64 bits of the unsigned 128-bit product of locals a and b."""
    f = c.f
    m32 = 0xFFFFFFFF
    al, ah, bl, bh = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    lh, hl, mid = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    for src, lo, hi in ((a, al, ah), (b, bl, bh)):
        f.local_get(src)
        f.i64_const(m32)
        f.i64_and()
        f.local_set(lo)
        f.local_get(src)
        f.i64_const(32)
        f.i64_shr_u()
        f.local_set(hi)
    f.local_get(al)
    f.local_get(bh)
    f.i64_mul()
    f.local_set(lh)
    f.local_get(ah)
    f.local_get(bl)
    f.i64_mul()
    f.local_set(hl)
    # mid = (al*bl >> 32) + (lh & m32) + (hl & m32): at most 3 * (2^32 - 1), no overflow
    f.local_get(al)
    f.local_get(bl)
    f.i64_mul()
    f.i64_const(32)
    f.i64_shr_u()
    f.local_get(lh)
    f.i64_const(m32)
    f.i64_and()
    f.i64_add()
    f.local_get(hl)
    f.i64_const(m32)
    f.i64_and()
    f.i64_add()
    f.local_set(mid)
    f.local_get(ah)
    f.local_get(bh)
    f.i64_mul()
    f.local_get(lh)
    f.i64_const(32)
    f.i64_shr_u()
    f.i64_add()
    f.local_get(hl)
    f.i64_const(32)
    f.i64_shr_u()
    f.i64_add()
    f.local_get(mid)
    f.i64_const(32)
    f.i64_shr_u()
    f.i64_add()


def _sub_if_negative(c: Ctx, neg: int, val: int) -> None:
    """Stack top -= (neg < 0 ? val : 0), for the signed corrections of mulh/mulhsu."""
    f = c.f
    f.local_get(val)
    f.local_get(neg)
    f.i64_const(63)
    f.i64_shr_s()
    f.i64_and()
    f.i64_sub()


@trans("mulh", "mulhu", "mulhsu")
def _mulh(c: Ctx, i: Insn) -> None:
    a, b = c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    c.f.local_set(a)
    c.get_x(i.rs2)
    c.f.local_set(b)
    _mulhu(c, a, b)
    op = ATTRS[i.name].op
    if op == "mulh":
        _sub_if_negative(c, a, b)
        _sub_if_negative(c, b, a)
    elif op == "mulhsu":
        _sub_if_negative(c, a, b)
    c.set_x(i.rd)


# (op, signed, wide) -> the Wasm division (which traps where RISC-V defines a result)
_DIVREM: dict[tuple[str, bool, bool], Op] = {
    ("div", True, True): FB.i64_div_s,
    ("div", False, True): FB.i64_div_u,
    ("rem", True, True): FB.i64_rem_s,
    ("rem", False, True): FB.i64_rem_u,
    ("div", True, False): FB.i32_div_s,
    ("div", False, False): FB.i32_div_u,
    ("rem", True, False): FB.i32_rem_s,
    ("rem", False, False): FB.i32_rem_u,
}


def _divrem(c: Ctx, i: Insn, wide: bool) -> None:
    """div/divu/rem/remu and their W forms (see `divrem_values`)."""
    f = c.f
    at = ATTRS[i.name]
    t = I64 if wide else I32
    a, b = c.tmp(t), c.tmp(t)
    c.get_x(i.rs1)
    if not wide:
        f.i32_wrap_i64()
    f.local_set(a)
    c.get_x(i.rs2)
    if not wide:
        f.i32_wrap_i64()
    f.local_set(b)
    divrem_values(c, at.op, at.signed, wide, a, b)
    if wide:
        c.set_x(i.rd)
    else:
        c.set_x_i32s(i.rd)


def divrem_values(c: Ctx, op: str, signed: bool, wide: bool, a: int, b: int) -> None:
    """Push a op b (op "div" or "rem", of the i64 (wide) or i32 locals a and b) as RISC-V
    defines it where Wasm traps: x/0 = -1 (all ones unsigned), x%0 = x, INT_MIN/-1 = INT_MIN,
    INT_MIN%-1 = 0. (The vector divisions use it too.)"""
    f = c.f
    eqz, eq, sub = (
        (FB.i64_eqz, FB.i64_eq, FB.i64_sub) if wide else (FB.i32_eqz, FB.i32_eq, FB.i32_sub)
    )
    t = I64 if wide else I32

    def const(v: int) -> None:
        f.i64_const(v) if wide else f.i32_const(v)

    f.local_get(b)
    eqz(f)
    f.if_(t)
    if op == "div":
        const(-1)
    else:
        f.local_get(a)
    f.else_()
    if signed:  # b == -1 apart (Wasm traps on INT_MIN / -1); the division in its else
        f.local_get(b)
        const(-1)
        eq(f)
        f.if_(t)
        if op == "div":
            const(0)
            f.local_get(a)
            sub(f)  # wraps: -INT_MIN = INT_MIN
        else:
            const(0)
        f.else_()
    f.local_get(a)
    f.local_get(b)
    _DIVREM[op, signed, wide](f)
    if signed:
        f.end()  # b == -1
    f.end()  # b == 0


@trans("div", "divu", "rem", "remu")
def _div64(c: Ctx, i: Insn) -> None:
    _divrem(c, i, True)


@trans("divw", "divuw", "remw", "remuw")
def _div32(c: Ctx, i: Insn) -> None:
    _divrem(c, i, False)


# --- loads and stores ---------------------------------------------------------------------------

_LOADS: dict[tuple[int, bool], MemOp] = {  # (width, signed)
    (1, True): FB.i64_load8_s,
    (2, True): FB.i64_load16_s,
    (4, True): FB.i64_load32_s,
    (8, False): FB.i64_load,
    (1, False): FB.i64_load8_u,
    (2, False): FB.i64_load16_u,
    (4, False): FB.i64_load32_u,
}
_STORES: dict[int, MemOp] = {
    1: FB.i64_store8,
    2: FB.i64_store16,
    4: FB.i64_store32,
    8: FB.i64_store,
}


@trans("lb", "lh", "lw", "ld", "lbu", "lhu", "lwu")
def _load(c: Ctx, i: Insn) -> None:
    at = ATTRS[i.name]
    a = c.addr(i.rs1, i.imm)
    c.check_read(a, at.width)
    c.wasm_addr(a)
    _LOADS[at.width, at.signed](c.f, abi.GUEST_BASE, 1)
    c.set_x(i.rd)


def _store_value(c: Ctx, i: Insn, push_value: Callable[[int], None]) -> None:
    """A store of rs2's low `width` bytes; push_value(rs2) pushes the register's i64."""
    width = ATTRS[i.name].width
    v = c.tmp(I64)
    push_value(i.rs2)
    c.f.local_set(v)
    a = c.addr(i.rs1, i.imm)
    op = _STORES[width]

    def emit() -> None:
        c.f.local_get(v)
        op(c.f, abi.GUEST_BASE, 1)

    c.store(a, width, emit)


@trans("sb", "sh", "sw", "sd")
def _store(c: Ctx, i: Insn) -> None:
    _store_value(c, i, c.get_x)


@trans("flw", "fld")
def _fload(c: Ctx, i: Insn) -> None:
    width = ATTRS[i.name].width
    a = c.addr(i.rs1, i.imm)
    c.check_read(a, width)
    c.wasm_addr(a)
    if width == 8:
        c.f.i64_load(abi.GUEST_BASE, 1)
        c.set_f(i.rd)
    else:
        c.f.i32_load(abi.GUEST_BASE, 1)
        c.set_f32_bits(i.rd)


@trans("fsw", "fsd")
def _fstore(c: Ctx, i: Insn) -> None:
    _store_value(c, i, c.get_f)


# --- A: LR/SC and AMOs --------------------------------------------------------------------------


def _check_aligned(c: Ctx, a: int, size: int) -> None:
    """AMOs and LR/SC need natural alignment; a misaligned one is a BUS exit (SIGBUS, as qemu)."""
    f = c.f
    f.local_get(a)
    f.i64_const(size - 1)
    f.i64_and()
    f.i64_const(0)
    f.i64_ne()
    f.if_()
    c.exit_slow(ExitReason.BUS, c.pc, a)
    f.end()


def _amo_load(c: Ctx, wide: bool) -> None:
    if wide:
        c.f.i64_load(abi.GUEST_BASE)
    else:
        c.f.i64_load32_s(abi.GUEST_BASE)


@trans("lr.w", "lr.d")
def _lr(c: Ctx, i: Insn) -> None:
    f = c.f
    wide = ATTRS[i.name].width == 8
    a = c.addr(i.rs1, 0)
    _check_aligned(c, a, 8 if wide else 4)
    c.check_read(a, 8 if wide else 4)
    v = c.tmp(I64)
    c.wasm_addr(a)
    _amo_load(c, wide)
    f.local_set(v)
    f.i32_const(0)
    f.local_get(a)
    f.i64_store(abi.CPU_RES_ADDR)
    f.i32_const(0)
    f.local_get(v)
    f.i64_store(abi.CPU_RES_VALUE)
    f.i32_const(0)
    f.i32_const(1)
    f.i32_store(abi.CPU_RES_VALID)
    f.local_get(v)
    c.set_x(i.rd)


@trans("sc.w", "sc.d")
def _sc(c: Ctx, i: Insn) -> None:
    # Single hart: SC succeeds iff a reservation is held on this address and memory still holds
    # the value LR saw.  Either way the reservation is released.
    f = c.f
    wide = ATTRS[i.name].width == 8
    v = c.tmp(I64)
    ok = c.tmp(I32)
    c.get_x(i.rs2)
    f.local_set(v)
    a = c.addr(i.rs1, 0)
    _check_aligned(c, a, 8 if wide else 4)
    c.check_read(a, 8 if wide else 4)
    f.i32_const(0)
    f.i32_load(abi.CPU_RES_VALID)
    f.i32_const(0)
    f.i64_load(abi.CPU_RES_ADDR)
    f.local_get(a)
    f.i64_eq()
    f.i32_and()
    f.if_(I32)
    c.wasm_addr(a)
    _amo_load(c, wide)
    f.i32_const(0)
    f.i64_load(abi.CPU_RES_VALUE)
    f.i64_eq()
    f.else_()
    f.i32_const(0)
    f.end()
    f.local_set(ok)
    f.i32_const(0)
    f.i32_const(0)
    f.i32_store(abi.CPU_RES_VALID)
    # rd = 0 on success (written by the store's `after`, so also before an SMC exit when the
    # store hits a page holding translated code), 1 on failure.
    f.local_get(ok)
    f.if_()
    op = f.i64_store if wide else f.i64_store32

    def emit() -> None:
        f.local_get(v)
        op(abi.GUEST_BASE)

    def rd_zero() -> None:
        f.i64_const(0)
        c.set_x(i.rd)

    c.store(a, 8 if wide else 4, emit, rd_zero)
    f.else_()
    f.i64_const(1)
    c.set_x(i.rd)
    f.end()


AmoOp = Callable[[Ctx, int, int, bool], None]


def _amo_binop(op: Op) -> AmoOp:
    def emit(c: Ctx, old: int, src: int, wide: bool) -> None:
        c.f.local_get(old)
        c.f.local_get(src)
        op(c.f)

    return emit


def _amo_minmax(cmp64: Op, cmp32: Op) -> AmoOp:
    def emit(c: Ctx, old: int, src: int, wide: bool) -> None:
        f = c.f
        f.local_get(old)
        f.local_get(src)
        f.local_get(old)
        if not wide:  # .w compares the low 32 bits as 32-bit integers
            f.i32_wrap_i64()
        f.local_get(src)
        if not wide:
            f.i32_wrap_i64()
        cmp64(f) if wide else cmp32(f)
        f.select()

    return emit


_AMO_OPS: dict[tuple[str, bool], AmoOp] = {  # (op, signed)
    ("swap", False): lambda c, old, src, wide: c.f.local_get(src),
    ("add", False): _amo_binop(FB.i64_add),
    ("xor", False): _amo_binop(FB.i64_xor),
    ("and", False): _amo_binop(FB.i64_and),
    ("or", False): _amo_binop(FB.i64_or),
    ("min", True): _amo_minmax(FB.i64_lt_s, FB.i32_lt_s),
    ("max", True): _amo_minmax(FB.i64_gt_s, FB.i32_gt_s),
    ("min", False): _amo_minmax(FB.i64_lt_u, FB.i32_lt_u),
    ("max", False): _amo_minmax(FB.i64_gt_u, FB.i32_gt_u),
}


@trans(*[f"amo{op}.{w}" for op in "swap add xor and or min max minu maxu".split() for w in "wd"])
def _amo(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    wide = at.width == 8
    op = _AMO_OPS[at.op, at.signed]
    src, old, new = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs2)
    f.local_set(src)
    a = c.addr(i.rs1, 0)
    _check_aligned(c, a, 8 if wide else 4)
    c.check_read(a, 8 if wide else 4)
    c.wasm_addr(a)
    _amo_load(c, wide)
    f.local_set(old)
    op(c, old, src, wide)
    f.local_set(new)
    st = f.i64_store if wide else f.i64_store32

    def emit() -> None:
        f.local_get(new)
        st(abi.GUEST_BASE)

    def rd_old() -> None:  # after the store: kept by an SMC exit, not done by a faulting store
        f.local_get(old)
        c.set_x(i.rd)

    c.store(a, 8 if wide else 4, emit, rd_old)


# --- system ---------------------------------------------------------------------------------------


@trans("fence")
def _fence(c: Ctx, i: Insn) -> None:
    pass  # one hart, sequentially consistent Wasm memory


@trans("fence.i")
def _fence_i(c: Ctx, i: Insn) -> None:
    c.exit_tb(ExitReason.FENCE_I, c.next_pc)


@trans("ecall")
def _ecall(c: Ctx, i: Insn) -> None:
    c.exit_tb(ExitReason.ECALL, c.pc)


@trans("ebreak")
def _ebreak(c: Ctx, i: Insn) -> None:
    c.exit_tb(ExitReason.EBREAK, c.pc)


CSR_FFLAGS, CSR_FRM, CSR_FCSR = 1, 2, 3
CSR_CYCLE, CSR_TIME, CSR_INSTRET = 0xC00, 0xC01, 0xC02
# The vector CSRs (emit_vector.py): read-write i32 fields, and the read-only vl, vtype, vlenb.
CSR_VSTART, CSR_VXSAT, CSR_VXRM, CSR_VCSR = 0x008, 0x009, 0x00A, 0x00F
CSR_VL, CSR_VTYPE, CSR_VLENB = 0xC20, 0xC21, 0xC22
# csr -> [(CPU field, its mask, its shift in the CSR)]: the read-write CSRs as fields of state.
# vstart holds an element index below VLEN (qemu keeps its low log2(VLEN) bits).
_CSR_FIELDS: dict[int, list[tuple[int, int, int]]] = {
    CSR_FFLAGS: [(abi.CPU_FFLAGS, 0x1F, 0)],
    CSR_FRM: [(abi.CPU_FRM, 7, 0)],
    CSR_FCSR: [(abi.CPU_FFLAGS, 0x1F, 0), (abi.CPU_FRM, 7, 5)],
    CSR_VSTART: [(abi.CPU_VSTART, abi.VLEN - 1, 0)],
    CSR_VXSAT: [(abi.CPU_VXSAT, 1, 0)],
    CSR_VXRM: [(abi.CPU_VXRM, 3, 0)],
    CSR_VCSR: [(abi.CPU_VXSAT, 1, 0), (abi.CPU_VXRM, 3, 1)],
}
_VECTOR_CSRS = frozenset({CSR_VSTART, CSR_VXSAT, CSR_VXRM, CSR_VCSR, CSR_VL, CSR_VTYPE, CSR_VLENB})
_CSR_READ_ONLY: dict[int, int | None] = {CSR_VL: abi.CPU_VL, CSR_VTYPE: abi.CPU_VTYPE,
                                         CSR_VLENB: None}  # fmt: skip


def _push_csr(c: Ctx, csr: int) -> None:
    """Push the i32 value of a read-write CSR (_CSR_FIELDS)."""
    f = c.f
    for k, (addr, _, shift) in enumerate(_CSR_FIELDS[csr]):
        f.i32_const(0)
        f.i32_load(addr)
        if shift:
            f.i32_const(shift)
            f.i32_shl()
        if k:
            f.i32_or()


def _store_csr(c: Ctx, csr: int, val: int) -> None:
    """Write the i32 in local `val` to a read-write CSR (fields masked as the spec says)."""
    f = c.f
    for addr, mask, shift in _CSR_FIELDS[csr]:
        f.i32_const(0)
        f.local_get(val)
        if shift:
            f.i32_const(shift)
            f.i32_shr_u()
        f.i32_const(mask)
        f.i32_and()
        f.i32_store(addr)


@trans("csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci")
def _csr(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    writes = at.op == "write" or i.rs1 != 0  # csrrs/csrrc with rs1=x0 (or uimm=0) do not write
    if i.csr in _VECTOR_CSRS:
        vector_off_check(c)
    if i.csr in (CSR_CYCLE, CSR_TIME, CSR_INSTRET):
        if writes:
            c.illegal()  # read-only counters
        else:
            c.emulate()
        return
    if i.csr in _CSR_READ_ONLY:
        addr = _CSR_READ_ONLY[i.csr]
        if writes:
            c.illegal()
            return
        if addr is None:
            f.i64_const(abi.VLENB)
        else:
            f.i32_const(0)
            f.i64_load(addr)
        c.set_x(i.rd)
        return
    if i.csr not in _CSR_FIELDS:
        c.illegal()
        return
    old, src, new = c.tmp(I32), c.tmp(I32), c.tmp(I32)
    # "If rd=x0, then the instruction shall not read the CSR" -- no side effects here anyway.
    _push_csr(c, i.csr)
    f.local_set(old)
    if at.imm:
        c.push_i32(i.rs1)
    else:
        c.get_x(i.rs1)
        f.i32_wrap_i64()
    f.local_set(src)
    if writes:
        if at.op == "write":
            f.local_get(src)
        elif at.op == "set":
            f.local_get(old)
            f.local_get(src)
            f.i32_or()
        else:
            f.local_get(old)
            f.local_get(src)
            f.i32_const(-1)
            f.i32_xor()
            f.i32_and()
        f.local_set(new)
        _store_csr(c, i.csr, new)
    f.local_get(old)
    f.i64_extend_i32_u()
    c.set_x(i.rd)


# The extensions' semantics register with these (tier 0 and the JIT import emit_int).
from . import (  # noqa: E402, F401  (each registers its semantics)
    emit_bits,
    emit_crypto,
    emit_vector,
    emit_vector_bits,
    emit_vector_fixed,
    emit_vector_fp,
    emit_vector_int,
    emit_vector_mem,
    emit_vector_perm,
    zfa,
    zfh,
)
