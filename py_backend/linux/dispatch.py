"""How a ``sys_*`` method of `Linux` (or of one of its mixins) names its syscall numbers."""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[..., int]


def syscall_nr(*nrs: int) -> Callable[[Handler], Handler]:
    """Mark a ``sys_*`` method as the handler of these syscall numbers."""

    def mark(fn: Handler) -> Handler:
        fn.syscall_nrs = nrs  # type: ignore[attr-defined]
        return fn

    return mark


def s32(x: int) -> int:
    """A system call argument (a 64-bit register) as the C int it carries."""
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x
