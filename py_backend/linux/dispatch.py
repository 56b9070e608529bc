"""How a ``sys_*`` handler names its syscall numbers, and the one table made of them."""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[..., int]

# a class -> its system call table (see syscall_table)
_TABLES: dict[type, dict[int, tuple[str, Handler]]] = {}


def syscall_nr(*nrs: int) -> Callable[[Handler], Handler]:
    """Mark a ``sys_*`` method as the handler of these syscall numbers (``Nr`` members)."""

    def mark(fn: Handler) -> Handler:
        fn.syscall_nrs = nrs  # type: ignore[attr-defined]
        return fn

    return mark


def syscall_table(cls: type) -> dict[int, tuple[str, Handler]]:
    """number -> (name, handler function, called with the Linux first): every ``sys_*`` method
    of ``cls`` and its bases that ``@syscall_nr`` marked, found once per class.  Do not change
    the dict returned: copy it."""
    table = _TABLES.get(cls)
    if table is None:
        table = {}
        for name in dir(cls):
            if name.startswith("sys_"):
                fn = getattr(cls, name)
                for nr in getattr(fn, "syscall_nrs", ()):
                    assert nr not in table, f"two handlers for syscall {nr}"
                    table[int(nr)] = (name[4:], fn)
        _TABLES[cls] = table
    return table


def s32(x: int) -> int:
    """A system call argument (a 64-bit register) as the C int it carries."""
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x
