"""The initial process stack, laid out like Linux (and qemu-user) do.

From the top of the stack down::

    8 zero bytes
    AT_EXECFN string
    argument and environment strings (argv[0] lowest, then argv[1].., env[0]..)
    16 random bytes (AT_RANDOM), 16-byte aligned
    auxv (AT_* pairs, AT_NULL last), envp[] + NULL, argv[] + NULL, argc   <- sp (16-aligned)

The auxiliary vector entries and their order are those qemu-riscv64 7.2 gives.  For a
dynamically linked program AT_BASE is the interpreter's load address (0 otherwise); AT_PHDR,
AT_PHENT, AT_PHNUM and AT_ENTRY always describe the program itself, not the interpreter.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from .elf import LoadedImage
from .errors import ElfError
from .mm import PAGE, STACK_BASE, STACK_SIZE, STACK_TOP, AddressSpace
from .sys_extra import hwcap

AT_NULL = 0
AT_PHDR = 3
AT_PHENT = 4
AT_PHNUM = 5
AT_PAGESZ = 6
AT_BASE = 7
AT_FLAGS = 8
AT_ENTRY = 9
AT_UID = 11
AT_EUID = 12
AT_GID = 13
AT_EGID = 14
AT_PLATFORM = 15
AT_HWCAP = 16
AT_CLKTCK = 17
AT_SECURE = 23
AT_RANDOM = 25
AT_EXECFN = 31

MAX_ARG_BYTES = STACK_SIZE // 4


@dataclass(frozen=True, slots=True)
class StackInfo:
    sp: int
    argv_addrs: tuple[int, ...]
    envp_addrs: tuple[int, ...]
    random_addr: int
    execfn_addr: int
    auxv: tuple[tuple[int, int], ...]


def map_stack(aspace: AddressSpace) -> None:
    """Map the stack region (read/write) below the top guard page."""
    aspace.map(STACK_BASE, STACK_SIZE, 3, fixed=True, name="[stack]")


def build_stack(
    aspace: AddressSpace,
    image: LoadedImage,
    argv: list[str],
    env: list[str],
    *,
    execfn: str | None = None,
    uid: int = 0,
    gid: int = 0,
    random_bytes: bytes | None = None,
    interp_base: int = 0,
) -> StackInfo:
    """Write argc/argv/envp/auxv and the strings into the (already mapped) stack."""
    enc_args = [a.encode("utf-8", "surrogateescape") + b"\0" for a in argv]
    enc_env = [e.encode("utf-8", "surrogateescape") + b"\0" for e in env]
    fn = (execfn if execfn is not None else (argv[0] if argv else "")).encode(
        "utf-8", "surrogateescape"
    ) + b"\0"
    strings = b"".join(enc_args) + b"".join(enc_env)
    if len(strings) + len(fn) + 8 * (len(argv) + len(env)) > MAX_ARG_BYTES:
        raise ElfError("argument list too long")
    rnd = random_bytes if random_bytes is not None else os.urandom(16)
    if len(rnd) != 16:
        raise ValueError("random_bytes must be 16 bytes")

    top = STACK_TOP - 8
    execfn_addr = top - len(fn)
    str_base = execfn_addr - len(strings)
    argv_addrs: list[int] = []
    env_addrs: list[int] = []
    p = str_base
    for s in enc_args:
        argv_addrs.append(p)
        p += len(s)
    for s in enc_env:
        env_addrs.append(p)
        p += len(s)
    random_addr = (str_base & ~15) - 16

    auxv: list[tuple[int, int]] = [
        (AT_PHDR, image.phdr_addr),
        (AT_PHENT, image.phent),
        (AT_PHNUM, image.phnum),
        (AT_PAGESZ, PAGE),
        (AT_BASE, interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, uid),
        (AT_EUID, uid),
        (AT_GID, gid),
        (AT_EGID, gid),
        (AT_HWCAP, hwcap()),
        (AT_CLKTCK, 100),
        (AT_RANDOM, random_addr),
        (AT_SECURE, 0),
        (AT_EXECFN, execfn_addr),
        (AT_NULL, 0),
    ]
    words: list[int] = [len(argv), *argv_addrs, 0, *env_addrs, 0]
    for k, v in auxv:
        words += [k, v]
    sp = (random_addr - 8 * len(words)) & ~15
    if sp < STACK_BASE + PAGE:
        raise ElfError("argument list too long")

    aspace.write(top, bytes(8))
    aspace.write(execfn_addr, fn)
    aspace.write(str_base, strings)
    aspace.write(random_addr, rnd)
    aspace.write(sp, struct.pack(f"<{len(words)}Q", *words))
    return StackInfo(
        sp=sp,
        argv_addrs=tuple(argv_addrs),
        envp_addrs=tuple(env_addrs),
        random_addr=random_addr,
        execfn_addr=execfn_addr,
        auxv=tuple(auxv),
    )
