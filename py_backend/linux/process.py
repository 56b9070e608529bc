"""One call for the machine: load the ELF, set up brk and the initial stack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .elf import LoadedImage, load_elf
from .mm import AddressSpace
from .stack import StackInfo, build_stack, map_stack


@dataclass(frozen=True, slots=True)
class Process:
    image: LoadedImage
    stack: StackInfo

    @property
    def entry(self) -> int:
        return self.image.entry

    @property
    def sp(self) -> int:
        return self.stack.sp


def load_process(
    data: bytes,
    argv: list[str],
    env: list[str],
    aspace: AddressSpace,
    *,
    execfn: str | None = None,
    uid: int = 0,
    gid: int = 0,
    random_bytes: bytes | None = None,
) -> Process:
    """Load ``data`` (a static ELF) into ``aspace``; raises ElfError with a one-line message."""
    image = load_elf(data, aspace)
    aspace.set_brk_start(image.brk_start)
    map_stack(aspace)
    stack = build_stack(
        aspace, image, argv, env, execfn=execfn, uid=uid, gid=gid, random_bytes=random_bytes
    )
    return Process(image, stack)


def setup_process(
    data: bytes, argv: list[str], env: list[str], aspace: AddressSpace, **options: Any
) -> tuple[int, int]:
    """Like :func:`load_process` (same keyword options); returns (entry pc, initial sp)."""
    p = load_process(data, argv, env, aspace, **options)
    return p.entry, p.sp
