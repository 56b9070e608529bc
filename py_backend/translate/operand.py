"""Operands of instruction semantics that may be known at translation time or only at run time.

The JIT (tier 1) translates one decoded instruction at a time: its fields (``rd``, ``imm``, ...)
and its pc are plain ``int``s, and the semantics fold them into constants.  The interpreter
(tier 0, ``tier0.py``) runs the *same* semantics once per instruction kind, with fields that
live in Wasm locals filled by its decoder at run time: each is a :class:`Dyn`.

A semantics function may add operands (``c.pc + i.imm``) and push them (``c.push_i64(v)``), but
it cannot branch in Python on a run-time value: ``bool(dyn)`` and ``dyn == k`` raise, so the
interpreter generator finds every place that needs care.  Such places ask :func:`known` instead
(``known(i.rd) == 0`` is true only for a translation-time zero), which lets the JIT keep its
folding while the interpreter takes the general path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class Dyn:
    """A run-time operand in Wasm local ``local`` (an i32 or i64 local, ``wide`` says which).

    ``nonzero`` marks an operand known to be non-zero (an interpreter variant specialised on it)."""

    local: int
    wide: bool
    name: str = ""
    nonzero: bool = False

    def __add__(self, other: Value) -> Sum:
        return Sum((self,), 0) + other

    __radd__ = __add__

    def __bool__(self) -> bool:
        raise TypeError(f"run-time operand {self.name or self.local} has no static truth value")

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        if other == 0 and self.nonzero:
            return False
        raise TypeError(f"run-time operand {self.name or self.local} compared in Python")

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return not self.__eq__(other)

    __hash__ = object.__hash__


@dataclass(frozen=True)
class Sum:
    """terms + const, evaluated as i64 (pc-relative targets: ``c.pc + i.imm``)."""

    terms: tuple[Dyn, ...]
    const: int

    def __add__(self, other: Value) -> Sum:
        if isinstance(other, int):
            return Sum(self.terms, self.const + other)
        if isinstance(other, Dyn):
            return Sum((*self.terms, other), self.const)
        return Sum(self.terms + other.terms, self.const + other.const)

    __radd__ = __add__

    def __bool__(self) -> bool:
        raise TypeError("run-time sum has no static truth value")


Value = int | Dyn | Sum


def known(v: Value) -> int | None:
    """The value when it is known at translation time, else None."""
    return v if isinstance(v, int) else None
