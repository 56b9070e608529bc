"""One call for the machine: load the ELF (and its interpreter), set up brk and the stack.

A dynamically linked program (PT_INTERP) needs ``open_interp(path) -> bytes``, which reads the
interpreter from the guest's filesystem (the machine's VFS, sysroot overlay first) or raises
``ElfError``; without it the load fails with ``NeedsSysroot``.  The program is mapped first,
then the interpreter (``elf.py`` says where), and the process starts at the interpreter's entry
with AT_BASE = its load address; AT_PHDR/AT_PHENT/AT_PHNUM/AT_ENTRY describe the program.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .elf import LoadedImage, load_elf
from .errors import ElfError, NeedsSysroot
from .mm import AddressSpace
from .stack import StackInfo, build_stack, map_stack


@dataclass(frozen=True, slots=True)
class LoadedProgram:
    """A program loaded into an address space (not a process: that is a `Machine`, and its
    entry in the process table a `procs.ProcessEntry`)."""

    image: LoadedImage
    stack: StackInfo
    interp: LoadedImage | None = None  # the dynamic linker, for a dynamically linked program

    @property
    def entry(self) -> int:
        """Where the process starts: the interpreter's entry, or the program's."""
        return self.interp.entry if self.interp is not None else self.image.entry

    @property
    def sp(self) -> int:
        return self.stack.sp


def load_program(
    data: bytes,
    argv: list[str],
    env: list[str],
    aspace: AddressSpace,
    *,
    open_interp: Callable[[str], bytes] | None = None,
    execfn: str | None = None,
    uid: int = 0,
    gid: int = 0,
    random_bytes: bytes | None = None,
) -> LoadedProgram:
    """Load ``data`` (an ELF program) into ``aspace``; raises ElfError with a one-line message."""
    image = load_elf(data, aspace)
    interp = None
    if image.interp is not None:
        if open_interp is None:
            raise NeedsSysroot(image.interp)
        interp_data = open_interp(image.interp)
        try:
            interp = load_elf(interp_data, aspace, interpreter=True)
        except ElfError as e:
            raise ElfError(f"interpreter {image.interp}: {e}") from None
    aspace.set_brk_start(image.brk_start)
    map_stack(aspace)
    stack = build_stack(
        aspace,
        image,
        argv,
        env,
        execfn=execfn,
        uid=uid,
        gid=gid,
        random_bytes=random_bytes,
        interp_base=interp.load_bias if interp is not None else 0,
    )
    return LoadedProgram(image, stack, interp)


def setup_program(
    data: bytes, argv: list[str], env: list[str], aspace: AddressSpace, **options: Any
) -> tuple[int, int]:
    """Like :func:`load_program` (same keyword options); returns (entry pc, initial sp)."""
    p = load_program(data, argv, env, aspace, **options)
    return p.entry, p.sp
