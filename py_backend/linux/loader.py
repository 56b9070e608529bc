"""Loader helpers of the process system: a program's interpreter read through the guest's
filesystem, the program file put where /proc/self/exe finds it, and the check execve makes
before its point of no return.  (The ELF loading itself is linux/process.py's.)"""

from __future__ import annotations

import os

from .. import abi
from . import errors as E
from .errors import ElfError, NeedsSysroot, SyscallError
from .vfs import Dir, File, HostFile, Vfs

NAMELESS_EXE = "/bin/program"  # where a program given only as bytes is (/proc/self/exe)


def read_interpreter(vfs: Vfs, path: str) -> bytes:
    """The bytes of a program's interpreter (PT_INTERP), read through the guest's filesystem;
    ElfError (NeedsSysroot without a sysroot) when it is not there."""
    try:
        node = vfs.resolve(vfs.cwd, path)
    except SyscallError as e:
        node = None
        if e.errno not in (2, 20):  # ENOENT, ENOTDIR
            raise ElfError(f"cannot open the interpreter {path}: {os.strerror(e.errno)}") from None
    if node is None:
        if vfs.sysroot is None:
            raise NeedsSysroot(path)
        raise ElfError(f"interpreter {path} not found under the sysroot {vfs.sysroot}")
    if isinstance(node, Dir):
        raise ElfError(f"interpreter {path} is a directory")
    if not isinstance(node, File | HostFile):
        raise ElfError(f"interpreter {path} is not a regular file")
    try:
        size = node.size()
        if size > abi.GUEST_SIZE:
            raise ElfError(f"interpreter {path} is too large ({size} bytes)")
        return node.read_at(0, size)
    except SyscallError as e:
        raise ElfError(f"cannot read the interpreter {path}: {os.strerror(e.errno)}") from None


def install_program(vfs: Vfs, path: str, program: bytes) -> None:
    """The program file at its path in the guest's tree unless something is there already (as
    the host's file is under qemu), so that /proc/self/exe can be opened and executed again
    (busybox runs its applets that way)."""
    try:
        node = vfs.resolve(vfs.root, path)
        if path == NAMELESS_EXE and isinstance(node, File):
            # a tree kept from run to run (a root filesystem image) has an earlier run's there
            node.data = bytearray(program)
            node.perm = 0o755
        return
    except SyscallError:
        pass
    try:
        vfs.add_file(path, program, 0o755)
    except SyscallError:
        pass  # a parent is not a directory: leave it


def check_elf_header(data: bytes) -> None:
    """What execve checks before the point of no return: a riscv64 ELF executable."""
    if (
        len(data) < 64
        or data[:4] != b"\x7fELF"
        or data[4] != 2
        or data[5] != 1
        or int.from_bytes(data[16:18], "little") not in (2, 3)
        or int.from_bytes(data[18:20], "little") != 243  # EM_RISCV
    ):
        raise SyscallError(E.ENOEXEC)
