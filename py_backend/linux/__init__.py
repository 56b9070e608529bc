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
from .process import Process, load_process, setup_process
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
    "NeedsSysroot",
    "Process",
    "SyscallError",
    "Vfs",
    "load_elf",
    "load_process",
    "setup_process",
]
