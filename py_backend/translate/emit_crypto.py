"""Semantics of the scalar cryptography extensions on RV64 (Zbkb's and Zbkx's own instructions,
Zkne, Zknd, Zknh, Zksed, Zksh; Zbkb's and Zbkc's others are Zbb's and Zbc's in `emit_bits`), as
the RISC-V Scalar Cryptography specification v1.0.1 defines them, written against the same `Ctx`
emitter API as `emit_int` (so tier 0 runs them too).

Zkt asks these to take data-independent time. Everything here is straight-line Wasm without a
branch, a `select` on data or a memory access: the S-boxes (AES forward and inverse, SM4) are
computed, not looked up. Each is its definition's affine map, inversion in GF(2^8) and affine
map, the inversion done in the isomorphic tower field GF((2^4)^2) (see `NU`), evaluated
"bitsliced": plane k is an i64 holding bit k of each of up to eight bytes in that byte's lowest
bit, so one circuit substitutes all eight bytes of aes64es at once.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Sequence

from ..isa.insn import Insn
from ..wasm.builder import FunctionBuilder as FB
from .codegen import I32, I64, Ctx, trans

LANES = 0x0101_0101_0101_0101  # bit 0 of each byte: one bit plane
AES_POLY = 0x11B  # x^8 + x^4 + x^3 + x + 1
SM4_POLY = 0x1F5  # x^8 + x^7 + x^6 + x^5 + x^4 + x^2 + 1

ByteMap = Callable[[int], int]
Planes = list[int]  # 8 i64 locals, plane k first at index k


# --- GF(2^8) and the S-boxes' linear parts, as Python functions on one byte ----------------------


def gf_mul(a: int, b: int, poly: int) -> int:
    """a * b modulo the irreducible ``poly`` (of degree 4 or 8 here)."""
    top = 1 << (poly.bit_length() - 1)
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & top:
            a ^= poly
    return r


def _reduce(v: int, poly: int) -> int:
    """v (a polynomial of degree < 2n - 1) modulo poly (of degree n)."""
    n = poly.bit_length() - 1
    for k in range(2 * n - 2, n - 1, -1):
        if v >> k & 1:
            v ^= poly << (k - n)
    return v


def _rotl8(b: int, n: int) -> int:
    return (b << n | b >> (8 - n)) & 0xFF


def _aes_affine(b: int) -> int:
    """FIPS-197 5.1.1 (without the constant 0x63): b ^ b<<<1 ^ b<<<2 ^ b<<<3 ^ b<<<4."""
    return b ^ _rotl8(b, 1) ^ _rotl8(b, 2) ^ _rotl8(b, 3) ^ _rotl8(b, 4)


def _aes_affine_inv(b: int) -> int:
    """The inverse of `_aes_affine` (without its constant 0x05): b<<<1 ^ b<<<3 ^ b<<<6."""
    return _rotl8(b, 1) ^ _rotl8(b, 3) ^ _rotl8(b, 6)


# SM4's S-box is A * inverse(A * x + 0xD3) + 0xD3 over x^8+x^7+x^6+x^5+x^4+x^2+1 (Liu et al.,
# "Cryptanalysis of SMS4"): row k of A, its bit j multiplying input bit j, gives output bit k.
_SM4_A = ("11100101", "11110010", "01111001", "10111100", "01011110", "00101111", "10010111",
          "11001011")  # fmt: skip


def _sm4_affine(b: int) -> int:
    return sum(
        (sum(int(row[j]) & b >> j for j in range(8)) & 1) << k for k, row in enumerate(_SM4_A)
    )


def _inverse_by_definition(v: int, poly: int) -> int:
    r = 1
    for _ in range(254):
        r = gf_mul(r, v, poly)
    return r


def sbox(kind: str, x: int) -> int:
    """The S-box ``kind`` ("aes", "aes_inv", "sm4") of one byte, by its definition (for the
    tests: the circuits below compute it another way)."""
    if kind == "aes":
        return _aes_affine(_inverse_by_definition(x, AES_POLY)) ^ 0x63
    if kind == "aes_inv":
        return _inverse_by_definition(_aes_affine_inv(x) ^ 0x05, AES_POLY)
    return _sm4_affine(_inverse_by_definition(_sm4_affine(x) ^ 0xD3, SM4_POLY)) ^ 0xD3


# The circuits invert in the tower field GF((2^4)^2): a byte is a + b y (a, b in GF(2^4) =
# GF(2)[z]/(z^4+z+1), low nibble a), y^2 = y + NU. Then 1/(a + b y) = ((a+b) + b y) / d with
# d = a(a+b) + NU b^2 in GF(2^4), whose inverse is d^14: five GF(2^4) products in all, a third
# of the work of x^254 in GF(2^8). Both fields are GF(2^8): the isomorphism maps x (0x02) to a
# root T of the S-box's polynomial in the tower, a linear map that the affine maps absorb.
GF16_POLY = 0x13  # z^4 + z + 1
NU = next(n for n in range(1, 16) if all(gf_mul(y, y, GF16_POLY) ^ y != n for y in range(16)))


def _tower_mul(p: int, q: int) -> int:
    """(a + b y)(c + d y) = ac + NU bd + (ad + bc + bd) y."""
    a, b, c, d = p & 15, p >> 4, q & 15, q >> 4
    m = functools.partial(gf_mul, poly=GF16_POLY)
    return m(a, c) ^ m(NU, m(b, d)) | (m(a, d) ^ m(b, c) ^ m(b, d)) << 4


@functools.cache
def _to_tower(poly: int) -> tuple[int, ...]:
    """The isomorphism from GF(2)[x]/poly to the tower, as a table (it is linear)."""

    def powers(t: int) -> list[int]:  # t^0 .. t^8
        out = [1]
        for _ in range(8):
            out.append(_tower_mul(out[-1], t))
        return out

    t_powers = next(
        p for p in map(powers, range(2, 256)) if not _xor(p[k] for k in range(9) if poly >> k & 1)
    )
    return tuple(_xor(t_powers[k] for k in range(8) if v >> k & 1) for v in range(256))


def _xor(values: Iterable[int]) -> int:
    return functools.reduce(operator.xor, values, 0)


@functools.cache
def _from_tower(poly: int) -> ByteMap:
    inverse = {w: v for v, w in enumerate(_to_tower(poly))}
    return inverse.__getitem__


# S-box kind: (map into the tower, its constant, map out of the tower, its constant); built on
# first use (not at import: the command line's start-up does not pay for it).
@functools.cache
def _sbox_maps(kind: str) -> tuple[ByteMap, int, ByteMap, int]:
    if kind == "aes":
        return (_to_tower(AES_POLY).__getitem__, 0,
                lambda v: _aes_affine(_from_tower(AES_POLY)(v)), 0x63)  # fmt: skip
    if kind == "aes_inv":
        return (lambda v: _to_tower(AES_POLY)[_aes_affine_inv(v)], _to_tower(AES_POLY)[0x05],
                _from_tower(AES_POLY), 0)  # fmt: skip
    assert kind == "sm4", kind
    return (lambda v: _to_tower(SM4_POLY)[_sm4_affine(v)], _to_tower(SM4_POLY)[0xD3],
            lambda v: _sm4_affine(_from_tower(SM4_POLY)(v)), 0xD3)  # fmt: skip


def sbox_by_tower(kind: str, x: int) -> int:
    """The S-box ``kind`` the way the circuits compute it (in Python, for the tests)."""
    into, c_in, out, c_out = _sbox_maps(kind)
    v = into(x) ^ c_in
    a, b = v & 15, v >> 4
    m = functools.partial(gf_mul, poly=GF16_POLY)
    d = m(a, a ^ b) ^ m(NU, m(b, b))
    d2 = m(d, d)
    d4 = m(d2, d2)
    di = m(m(d2, d4), m(d4, d4))  # d^14
    return out(m(a ^ b, di) | m(b, di) << 4) ^ c_out


# --- bitsliced circuits ------------------------------------------------------------------------


def _to_planes(c: Ctx, x: int) -> Planes:
    f = c.f
    out = []
    for k in range(8):
        p = c.tmp(I64)
        f.local_get(x)
        if k:
            f.i64_const(k)
            f.i64_shr_u()
        f.i64_const(LANES)
        f.i64_and()
        f.local_set(p)
        out.append(p)
    return out


def _from_planes(c: Ctx, p: Planes) -> None:
    """Push the bytes whose bit planes ``p`` are."""
    f = c.f
    for k in range(8):
        f.local_get(p[k])
        if k:
            f.i64_const(k)
            f.i64_shl()
            f.i64_or()


def _combine(c: Ctx, srcs: Sequence[int], masks: Sequence[int], n: int, const: int = 0) -> Planes:
    """Output plane k < n = xor of the srcs[j] whose masks[j] has bit k, xor all ones if
    ``const`` has bit k: a linear (or affine) map over GF(2)."""
    f = c.f
    out = []
    for k in range(n):
        terms = [s for s, m in zip(srcs, masks, strict=True) if m >> k & 1]
        p = c.tmp(I64)
        if not terms:
            f.i64_const(0)
        for i, s in enumerate(terms):
            f.local_get(s)
            if i:
                f.i64_xor()
        if const >> k & 1:
            f.i64_const(LANES)
            f.i64_xor()
        f.local_set(p)
        out.append(p)
    return out


def _linear(c: Ctx, p: Planes, fn: ByteMap, const: int = 0) -> Planes:
    return _combine(c, p, [fn(1 << j) for j in range(len(p))], len(p), const)


def _mul16(c: Ctx, a: Planes, b: Planes) -> Planes:
    """The product in GF(2^4): the 7 coefficients of the polynomial product, then reduced."""
    f = c.f
    coeffs = []
    for m in range(7):
        d = c.tmp(I64)
        for i, k in enumerate(range(max(0, m - 3), min(m, 3) + 1)):
            f.local_get(a[k])
            f.local_get(b[m - k])
            f.i64_and()
            if i:
                f.i64_xor()
        f.local_set(d)
        coeffs.append(d)
    return _combine(c, coeffs, [_reduce(1 << m, GF16_POLY) for m in range(7)], 4)


def _xor_planes(c: Ctx, a: Planes, b: Planes) -> Planes:
    return _combine(c, [*a, *b], [1 << k for k in range(4)] * 2, 4)


def _sbox(c: Ctx, kind: str, x: int) -> None:
    """Push the S-box ``kind`` applied to each byte of the i64 in local ``x``."""
    into, c_in, out, c_out = _sbox_maps(kind)
    v = _linear(c, _to_planes(c, x), into, c_in)
    a, b = v[:4], v[4:]
    s = _xor_planes(c, a, b)
    nu_b2 = _linear(c, b, lambda w: gf_mul(NU, gf_mul(w, w, GF16_POLY), GF16_POLY))
    d = _xor_planes(c, _mul16(c, a, s), nu_b2)
    d2 = _linear(c, d, lambda w: gf_mul(w, w, GF16_POLY))
    d4 = _linear(c, d2, lambda w: gf_mul(w, w, GF16_POLY))
    d8 = _linear(c, d4, lambda w: gf_mul(w, w, GF16_POLY))
    di = _mul16(c, _mul16(c, d2, d4), d8)  # d^14 = 1/d (0 for 0)
    _from_planes(c, _linear(c, [*_mul16(c, s, di), *_mul16(c, b, di)], out, c_out))


# --- Zbkb: pack, packh, packw, brev8 ------------------------------------------------------------

_PACK = {"pack": 32, "packh": 8, "packw": 16}  # bits taken from each of rs1 and rs2


@trans("pack", "packh", "packw")
def _pack(c: Ctx, i: Insn) -> None:
    # (rs2[h-1:0] << h) | rs1[h-1:0]; packw sign-extends its 32 bits.
    f = c.f
    h = _PACK[i.name]
    mask = (1 << h) - 1
    c.get_x(i.rs2)
    if h < 32:
        f.i64_const(mask)
        f.i64_and()
    f.i64_const(h)
    f.i64_shl()
    c.get_x(i.rs1)
    f.i64_const(mask)
    f.i64_and()
    f.i64_or()
    if i.name == "packw":
        f.i32_wrap_i64()
        c.set_x_i32s(i.rd)
    else:
        c.set_x(i.rd)


def _swap(c: Ctx, x: int, shift: int, mask: int) -> None:
    """x = ((x >> shift) & mask) | ((x & mask) << shift)."""
    f = c.f
    f.local_get(x)
    f.i64_const(shift)
    f.i64_shr_u()
    f.i64_const(mask)
    f.i64_and()
    f.local_get(x)
    f.i64_const(mask)
    f.i64_and()
    f.i64_const(shift)
    f.i64_shl()
    f.i64_or()
    f.local_set(x)


@trans("brev8")
def _brev8(c: Ctx, i: Insn) -> None:
    # Reverse the bits of each byte: swap neighbouring bits, then pairs, then nibbles.
    x = c.tmp(I64)
    c.get_x(i.rs1)
    c.f.local_set(x)
    for shift, mask in ((1, 0x5555_5555_5555_5555), (2, 0x3333_3333_3333_3333)):
        _swap(c, x, shift, mask)
    _swap(c, x, 4, 0x0F0F_0F0F_0F0F_0F0F)
    c.f.local_get(x)
    c.set_x(i.rd)


# --- Zbkx: crossbar permutations ----------------------------------------------------------------


@trans("xperm4", "xperm8")
def _xperm(c: Ctx, i: Insn) -> None:
    """Element k of rd is element rs2[k] of rs1, 0 where that index is out of range (xperm8:
    an index of 8 or more; xperm4's 16 nibbles have no such index)."""
    f = c.f
    w = 4 if i.name == "xperm4" else 8
    lanes, mask = 64 // w, (1 << w) - 1
    a, b, idx = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    f.local_set(a)
    c.get_x(i.rs2)
    f.local_set(b)
    f.i64_const(0)
    for k in range(lanes):
        f.local_get(b)
        f.i64_const(w * k)
        f.i64_shr_u()
        f.i64_const(mask)
        f.i64_and()
        f.local_set(idx)
        f.local_get(a)
        f.local_get(idx)
        f.i64_const(w.bit_length() - 1)  # idx * w
        f.i64_shl()
        f.i64_shr_u()  # Wasm takes the shift modulo 64
        f.i64_const(mask)
        f.i64_and()
        if w == 8:  # & -(idx < 8)
            f.i64_const(0)
            f.local_get(idx)
            f.i64_const(lanes)
            f.i64_lt_u()
            f.i64_extend_i32_u()
            f.i64_sub()
            f.i64_and()
        f.i64_const(w * k)
        f.i64_shl()
        f.i64_or()
    c.set_x(i.rd)


# --- Zkne, Zknd: AES ----------------------------------------------------------------------------


def _shift_rows(inverse: bool) -> list[tuple[int, int]]:
    """(source register 0 = rs1 / 1 = rs2, byte) of each byte of ShiftRows' (or InvShiftRows')
    output columns 0 and 1. The state is rs2:rs1, byte r + 4c holding row r of column c; row r
    of the output takes column c + r (InvShiftRows: c - r)."""
    out = []
    for n in range(8):
        r, col = n % 4, n // 4
        src = r + 4 * ((col - r if inverse else col + r) % 4)
        out.append((src // 8, src % 8))
    return out


def _gather(c: Ctx, regs: tuple[int, int], picks: list[tuple[int, int]]) -> None:
    """Push the i64 whose byte n is byte picks[n][1] of local regs[picks[n][0]]."""
    f = c.f
    for n, (r, k) in enumerate(picks):
        f.local_get(regs[r])
        if k != n:
            f.i64_const(8 * abs(k - n))
            f.i64_shr_u() if k > n else f.i64_shl()
        f.i64_const(0xFF << 8 * n)
        f.i64_and()
        if n:
            f.i64_or()


def _xtime(c: Ctx, x: int) -> None:
    """Push each byte of local x times 2 in GF(2^8) (AES's polynomial)."""
    f = c.f
    f.local_get(x)
    f.i64_const(0x7F7F_7F7F_7F7F_7F7F)
    f.i64_and()
    f.i64_const(1)
    f.i64_shl()
    f.local_get(x)
    f.i64_const(7)
    f.i64_shr_u()
    f.i64_const(LANES)
    f.i64_and()
    f.i64_const(AES_POLY & 0xFF)
    f.i64_mul()
    f.i64_xor()


def _rot_words(c: Ctx, x: int, n: int) -> None:
    """Push local x with each 32-bit word rotated right by n bytes (byte r takes byte r + n)."""
    f = c.f
    lo = (0xFFFF_FFFF >> 8 * n) * 0x1_0000_0001
    f.local_get(x)
    f.i64_const(8 * n)
    f.i64_shr_u()
    f.i64_const(lo)
    f.i64_and()
    f.local_get(x)
    f.i64_const(32 - 8 * n)
    f.i64_shl()
    f.i64_const(~lo & (1 << 64) - 1)
    f.i64_and()
    f.i64_or()


def _mix_columns(c: Ctx, x: int, inverse: bool) -> None:
    """Push MixColumns (InvMixColumns) of both 32-bit columns in local x:
    out_r = 2 b_r ^ 3 b_r+1 ^ b_r+2 ^ b_r+3 = xtime(b_r ^ b_r+1) ^ b_r+1 ^ b_r+2 ^ b_r+3.
    The inverse first adds 4 (b_r ^ b_r+2) to each b_r, then mixes."""
    f = c.f
    t = c.tmp(I64)
    if inverse:
        f.local_get(x)
        _rot_words(c, x, 2)
        f.i64_xor()
        f.local_set(t)
        _xtime(c, t)
        f.local_set(t)
        _xtime(c, t)
        f.local_get(x)
        f.i64_xor()
        x = c.tmp(I64)
        f.local_set(x)
    f.local_get(x)
    _rot_words(c, x, 1)
    f.i64_xor()
    f.local_set(t)
    _xtime(c, t)
    for n in (1, 2, 3):
        _rot_words(c, x, n)
        f.i64_xor()


_AES_ROUND = {  # name: (inverse, mix columns)
    "aes64es": (False, False),
    "aes64esm": (False, True),
    "aes64ds": (True, False),
    "aes64dsm": (True, True),
}


@trans("aes64es", "aes64esm", "aes64ds", "aes64dsm")
def _aes64_round(c: Ctx, i: Insn) -> None:
    """The low half of (Inv)ShiftRows of the state rs2:rs1, then (Inv)SubBytes and, for the
    "m" forms, (Inv)MixColumns of each of its two columns."""
    f = c.f
    inverse, mix = _AES_ROUND[i.name]
    regs = (c.tmp(I64), c.tmp(I64))
    c.get_x(i.rs1)
    f.local_set(regs[0])
    c.get_x(i.rs2)
    f.local_set(regs[1])
    x = c.tmp(I64)
    _gather(c, regs, _shift_rows(inverse))
    f.local_set(x)
    _sbox(c, "aes_inv" if inverse else "aes", x)
    if mix:
        f.local_set(x)
        _mix_columns(c, x, inverse)
    c.set_x(i.rd)


@trans("aes64im")
def _aes64im(c: Ctx, i: Insn) -> None:
    # InvMixColumns of each 32-bit column (the decryption key schedule's round keys).
    x = c.tmp(I64)
    c.get_x(i.rs1)
    c.f.local_set(x)
    _mix_columns(c, x, True)
    c.set_x(i.rd)


@trans("aes64ks1i")
def _aes64ks1i(c: Ctx, i: Insn) -> None:
    """w = rs1[63:32] rotated right by 8 bits (not for rnum 0xA), SubWord(w) ^ rcon[rnum] in both
    halves of rd; rcon is 0x01, 0x02, ..., 0x80, 0x1B, 0x36 and 0 for rnum 0xA. rnum 0xB..0xF
    do not decode (the row's reserved encodings)."""
    f = c.f
    w, x, rnum = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.push_i64(i.imm)
    f.local_set(rnum)
    c.get_x(i.rs1)
    f.i64_const(32)
    f.i64_shr_u()
    f.local_tee(w)
    f.i32_wrap_i64()
    f.i32_const(8)
    f.i32_rotr()
    f.i64_extend_i32_u()
    f.local_get(w)
    f.local_get(rnum)
    f.i64_const(0xA)
    f.i64_ne()
    f.select()
    f.local_set(x)
    _sbox(c, "aes", x)
    f.i64_const(0xFFFF_FFFF)  # the upper four lanes substituted zero bytes
    f.i64_and()
    f.i64_const(1)  # rcon: 1 << rnum below 8, else byte rnum - 8 of 0x361B
    f.local_get(rnum)
    f.i64_shl()
    f.i64_const(0x361B)
    f.local_get(rnum)
    f.i64_const(8)
    f.i64_sub()
    f.i64_const(3)
    f.i64_shl()
    f.i64_shr_u()
    f.i64_const(0xFF)
    f.i64_and()
    f.local_get(rnum)
    f.i64_const(8)
    f.i64_lt_u()
    f.select()
    f.i64_xor()
    f.local_tee(x)
    f.local_get(x)
    f.i64_const(32)
    f.i64_shl()
    f.i64_or()
    c.set_x(i.rd)


@trans("aes64ks2")
def _aes64ks2(c: Ctx, i: Insn) -> None:
    # w0 = rs1[63:32] ^ rs2[31:0], w1 = w0 ^ rs2[63:32]; rd = w1:w0
    f = c.f
    w0, b = c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs2)
    f.local_tee(b)
    f.i64_const(0xFFFF_FFFF)
    f.i64_and()
    c.get_x(i.rs1)
    f.i64_const(32)
    f.i64_shr_u()
    f.i64_xor()
    f.local_tee(w0)
    f.local_get(w0)
    f.local_get(b)
    f.i64_const(32)
    f.i64_shr_u()
    f.i64_xor()
    f.i64_const(32)
    f.i64_shl()
    f.i64_or()
    c.set_x(i.rd)


# --- Zknh, Zksh: the hash functions' sigma and P functions --------------------------------------

# name: (width in bytes, terms): the xor of x rotated right by n, or shifted right by -n for a
# negative n (rotation by 0 is x itself). The 32-bit results are sign-extended.
_HASH: dict[str, tuple[int, tuple[int, int, int]]] = {
    "sha256sig0": (4, (7, 18, -3)),
    "sha256sig1": (4, (17, 19, -10)),
    "sha256sum0": (4, (2, 13, 22)),
    "sha256sum1": (4, (6, 11, 25)),
    "sha512sig0": (8, (1, 8, -7)),
    "sha512sig1": (8, (19, 61, -6)),
    "sha512sum0": (8, (28, 34, 39)),
    "sha512sum1": (8, (14, 18, 41)),
    "sm3p0": (4, (0, 32 - 9, 32 - 17)),  # x ^ x <<< 9 ^ x <<< 17
    "sm3p1": (4, (0, 32 - 15, 32 - 23)),  # x ^ x <<< 15 ^ x <<< 23
}
_HASH_OPS: dict[int, tuple[Callable[[FB], None], Callable[[FB], None], Callable[[FB, int], None]]]
_HASH_OPS = {
    4: (FB.i32_rotr, FB.i32_shr_u, FB.i32_const),
    8: (FB.i64_rotr, FB.i64_shr_u, FB.i64_const),
}


@trans(*_HASH)
def _hash_fn(c: Ctx, i: Insn) -> None:
    f = c.f
    width, terms = _HASH[i.name]
    rotr, shr, const = _HASH_OPS[width]
    x = c.tmp(I32 if width == 4 else I64)
    c.get_x(i.rs1)
    if width == 4:
        f.i32_wrap_i64()
    for n, t in enumerate(terms):
        if n == 0:
            f.local_tee(x)
        else:
            f.local_get(x)
        if t:
            const(f, abs(t))
            rotr(f) if t > 0 else shr(f)
        if n:
            f.i64_xor() if width == 8 else f.i32_xor()
    if width == 4:
        c.set_x_i32s(i.rd)
    else:
        c.set_x(i.rd)


# --- Zksed: SM4 ---------------------------------------------------------------------------------

# name: (mask, shift) terms added to x: the round function's linear layer L (sm4ed) and the key
# schedule's L' (sm4ks), on the 32-bit word x holding the S-box output in its low byte.
_SM4_L: dict[str, tuple[tuple[int, int], ...]] = {
    "sm4ed": ((0xFF, 8), (0xFF, 2), (0xFF, 18), (0x3F, 26), (0xC0, 10)),
    "sm4ks": ((0x07, 29), (0xFE, 7), (0x01, 23), (0xF8, 13)),
}


@trans("sm4ed", "sm4ks")
def _sm4(c: Ctx, i: Insn) -> None:
    """Byte bs of rs2 through the SM4 S-box and the linear layer, rotated left by 8 bs bits,
    xored into rs1[31:0]; sign-extended."""
    f = c.f
    shamt, x = c.tmp(I64), c.tmp(I64)
    c.push_i64(i.imm)
    f.i64_const(3)
    f.i64_shl()
    f.local_set(shamt)
    c.get_x(i.rs2)
    f.local_get(shamt)
    f.i64_shr_u()
    f.i64_const(0xFF)
    f.i64_and()
    f.local_set(x)
    _sbox(c, "sm4", x)
    f.i64_const(0xFF)  # the other lanes substituted zero bytes
    f.i64_and()
    f.local_tee(x)
    for mask, shift in _SM4_L[i.name]:
        f.local_get(x)
        if mask != 0xFF:
            f.i64_const(mask)
            f.i64_and()
        f.i64_const(shift)
        f.i64_shl()
        f.i64_xor()
    f.i32_wrap_i64()
    f.local_get(shamt)
    f.i32_wrap_i64()
    f.i32_rotl()
    c.get_x(i.rs1)
    f.i32_wrap_i64()
    f.i32_xor()
    c.set_x_i32s(i.rd)
