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
