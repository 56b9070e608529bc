"""What the Linux layer advertises of the vector extension: AT_HWCAP's 'V' bit and the
riscv_hwprobe RISCV_HWPROBE_KEY_IMA_EXT_0 bits of V, its Zve* subsets and the Zv* extensions,
present only once V leaves `sys_extra.IN_PROGRESS_EXTS` (checked both ways with that set
patched), with the bit numbers of Linux's uapi asm/hwprobe.h; prctl's vector control likewise
(EINVAL without V), and its state machine (tests/guests/test_vector_abi.py runs it in a guest)."""

from __future__ import annotations

import pytest

from py_backend import abi
from py_backend.cpu import vctrl_init
from py_backend.linux import errors as E
from py_backend.linux import stack
from py_backend.linux import sys_extra as X
from py_backend.linux.elf import LoadedImage
from py_backend.linux.mm import AddressSpace
from py_backend.linux.syscalls import Linux
from py_backend.memory import anonymous_memory

# Linux's arch/riscv/include/uapi/asm/hwprobe.h (6.15): RISCV_HWPROBE_IMA_V and RISCV_HWPROBE_EXT_*
LINUX_BITS = {
    "FD": 0, "C": 1, "V": 2, "Zba": 3, "Zbb": 4, "Zbs": 5, "Zicboz": 6, "Zbc": 7, "Zbkb": 8,
    "Zbkc": 9, "Zbkx": 10, "Zknd": 11, "Zkne": 12, "Zknh": 13, "Zksed": 14, "Zksh": 15,
    "Zkt": 16, "Zvbb": 17, "Zvbc": 18, "Zvkb": 19, "Zvkg": 20, "Zvkned": 21, "Zvknha": 22,
    "Zvknhb": 23, "Zvksed": 24, "Zvksh": 25, "Zvkt": 26, "Zfh": 27, "Zfhmin": 28,
    "Zihintntl": 29, "Zvfh": 30, "Zvfhmin": 31, "Zfa": 32, "Zicond": 35, "Zihintpause": 36,
    "Zve32x": 37, "Zve32f": 38, "Zve64x": 39, "Zve64f": 40, "Zve64d": 41, "Zimop": 42,
    "Zca": 43, "Zcb": 44, "Zcd": 45, "Zcmop": 47, "Zawrs": 48,
}  # fmt: skip
V_BITS = ("V", "Zve32x", "Zve32f", "Zve64x", "Zve64f", "Zve64d", "Zvkt")
HWCAP_V = 1 << (ord("v") - ord("a"))


def test_hwprobe_bit_numbers_are_linuxs() -> None:
    assert X.HWPROBE_EXT_BITS == LINUX_BITS


def _auxv_hwcap() -> int:
    a = AddressSpace(anonymous_memory())
    stack.map_stack(a)
    image = LoadedImage(entry=0x10000, phdr_addr=0x10040, phnum=1, phent=56, brk_start=0x20000,
                        load_bias=0)  # fmt: skip
    info = stack.build_stack(a, image, ["p"], [], random_bytes=bytes(16))
    return dict(info.auxv)[stack.AT_HWCAP]


@pytest.mark.parametrize("in_progress", [True, False], ids=["V-in-progress", "V-complete"])
def test_vector_is_advertised_only_when_complete(
    in_progress: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rest = X.IN_PROGRESS_EXTS - {"V"}
    monkeypatch.setattr(X, "IN_PROGRESS_EXTS", rest | {"V"} if in_progress else rest)
    exts = X.implemented_extensions()
    probe = X.hwprobe_value(X.HWPROBE_IMA_EXT_0)
    assert probe is not None
    for e in V_BITS:
        assert (e in exts) is not in_progress, e
        assert bool(probe >> LINUX_BITS[e] & 1) is not in_progress, e
    hwcap = _auxv_hwcap()
    assert bool(hwcap & HWCAP_V) is not in_progress
    assert hwcap & ~HWCAP_V == sum(1 << (ord(c) - ord("a")) for c in "imafdc")
    # a vector extension of the table (Zvbb, ...) follows V
    zv = {e for e in X.extensions() if e.startswith("Zv")}
    assert (zv & exts) == (set() if in_progress else zv)
    # what does not depend on V stays
    assert {"FD", "C", "Zbb", "Zkt", "Zca", "Zcd"} <= exts


PRCTL = 167
SET, GET = 69, 70


def _linux() -> Linux:
    from doubles import Sink

    k = Linux(AddressSpace(anonymous_memory()), ["p"], [], None, Sink(), Sink(), pid=1000)
    k.signals.cpu.reset_vector()
    return k


@pytest.mark.parametrize("in_progress", [True, False], ids=["V-in-progress", "V-complete"])
def test_prctl_vector_control(in_progress: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rest = X.IN_PROGRESS_EXTS - {"V"}
    monkeypatch.setattr(X, "IN_PROGRESS_EXTS", rest | {"V"} if in_progress else rest)
    k = _linux()
    if in_progress:
        assert k.syscall(PRCTL, (GET, 0)) == -E.EINVAL
        assert k.syscall(PRCTL, (SET, 2)) == -E.EINVAL
        return
    cpu = k.signals.cpu
    assert k.syscall(PRCTL, (GET, 0)) == abi.VCTRL_ON
    for bad in (3, 2 | 3 << 2, 1 << 5, 1 << 63):
        assert k.syscall(PRCTL, (SET, bad)) == -E.EINVAL, bad
    assert k.syscall(PRCTL, (SET, 1 | 2 << 2 | 16)) == 0
    assert k.syscall(PRCTL, (GET, 0)) == cpu.get_vctrl() == 1 | 2 << 2 | 16
    assert k.syscall(PRCTL, (SET, 0)) == 0  # DEFAULT: the current setting stays, next cleared
    assert k.syscall(PRCTL, (GET, 0)) == 1
    assert k.syscall(PRCTL, (SET, 2)) == 0
    cpu.set_vcsrs(0, 4, 0xD0, 0)  # the thread uses V: turning it off is refused
    assert k.syscall(PRCTL, (SET, 1)) == -E.EPERM
    assert k.syscall(PRCTL, (SET, 2 | 1 << 2)) == 0


def test_execve_applies_the_next_setting() -> None:
    """riscv_v_vstate_ctrl_init: next (or on, for DEFAULT) becomes current; next is kept only
    with the inherit bit."""
    assert vctrl_init(0) == 2
    assert vctrl_init(2 | 1 << 2) == 1
    assert vctrl_init(1) == 2
    assert vctrl_init(2 | 1 << 2 | 16) == 1 | 1 << 2 | 16
    assert vctrl_init(1 | 16) == 2 | 16
