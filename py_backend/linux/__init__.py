"""The Linux user-mode layer: address space, ELF loading, initial stack, filesystem, syscalls."""

from __future__ import annotations

from .elf import LoadedImage, load_elf
from .errors import (
    ElfError,
    EmulatorError,
    GuestExit,
    GuestFault,
    GuestSignal,
    NeedsSysroot,
    SyscallError,
)
from .mm import AddressSpace
from .process import LoadedProgram, load_program, setup_program
from .syscalls import Linux
from .vfs import Vfs

__all__ = [
    "AddressSpace",
    "ElfError",
    "EmulatorError",
    "GuestExit",
    "GuestFault",
    "GuestSignal",
    "Linux",
    "LoadedImage",
    "LoadedProgram",
    "NeedsSysroot",
    "SyscallError",
    "Vfs",
    "load_elf",
    "load_program",
    "setup_program",
]
