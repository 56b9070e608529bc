"""Build generated programs, run them under qemu-riscv64 and tbwasm, compare, shrink, record.

Used by `tests/differential/test_differential.py` and `scripts/fuzz.py`."""

from __future__ import annotations

import copy
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

try:
    from . import rvgen
except ImportError:  # imported as a top-level module (scripts/fuzz.py, pytest rootdir-less)
    import rvgen  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # tests/, for `doubles` (scripts/fuzz.py imports this module)
    sys.path.insert(0, str(HERE.parent))
REGRESSIONS = HERE / "regressions"
CC = "riscv64-linux-gnu-gcc"
OBJDUMP = "riscv64-linux-gnu-objdump"
QEMU = "qemu-riscv64"
CFLAGS = [
    "-nostdlib",
    "-static",
    "-Wl,--no-relax",  # else `lla` becomes gp-relative, and our gp is not __global_pointer$
    "-Wl,--build-id=none",
    "-march=rv64gc",
    "-mabi=lp64d",
]

# The reference for programs with the extensions beyond RV64GC: Debian trixie's qemu 10
# (scripts/fetch-qemu.sh), with exactly the extensions tbwasm implements.
QEMU10 = os.environ.get("TBWASM_QEMU10") or str(
    HERE.parent.parent / "guests" / "bin" / "qemu10" / "qemu-riscv64"
)
QEMU10_CPU = (
    "rv64,zba=true,zbb=true,zbc=true,zbs=true,zicond=true,zcb=true,zfa=true,zawrs=true,"
    "zimop=true,zcmop=true,zicbom=true,zicboz=true,zicbop=true,zihintntl=true,"
    "zihintpause=true,zfh=true,zfhmin=true,zbkb=true,zbkc=true,zbkx=true,zknd=true,zkne=true,"
    "zknh=true,zksed=true,zksh=true,zkt=true"
)
# The same with the vector extension as tbwasm has it (VLEN = 128, ELEN = 64; qemu's default
# tail and mask policies leave agnostic elements undisturbed, as tbwasm does).
QEMU10_VECTOR_CPU = QEMU10_CPU + ",v=true,vlen=128,elen=64"
# the fuzzer's vector programs also run Zvbb (rvvgen.EXTS)
QEMU10_FUZZ_VECTOR_CPU = QEMU10_VECTOR_CPU + ",zvbb=true"

XNAMES = [f"x{i}" for i in range(32)]


class BuildError(Exception):
    pass


@dataclass
class RunResult:
    status: int
    stdout: bytes
    insns: int = 0
    message: str = ""
    seconds: float = 0.0


@dataclass
class Outcome:
    name: str
    insns: int
    mismatch: list[str] = field(default_factory=list)
    qemu: RunResult | None = None
    tbwasm: RunResult | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatch


def have_toolchain() -> bool:
    return shutil.which(CC) is not None and shutil.which(QEMU) is not None


def have_qemu10() -> bool:
    return os.access(QEMU10, os.X_OK)


def build(source: str, out: Path, march: str = "rv64gc") -> None:
    src = out.with_suffix(".S")
    src.write_text(source)
    flags = [f"-march={march}" if f.startswith("-march=") else f for f in CFLAGS]
    p = subprocess.run([CC, *flags, str(src), "-o", str(out)], capture_output=True, text=True)
    if p.returncode != 0:
        raise BuildError(p.stderr[-4000:])


def run_qemu(elf: Path, timeout: float = 60, ext: bool = False, cpu: str = QEMU10_CPU) -> RunResult:
    """Under qemu-riscv64, or with ``ext`` under qemu 10 with the extensions (``cpu``)."""
    t0 = time.perf_counter()
    cmd = [QEMU10, "-cpu", cpu, str(elf)] if ext else [QEMU, str(elf)]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env={})
    except subprocess.TimeoutExpired as e:
        return RunResult(-1, e.stdout or b"", message="qemu timeout")
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return RunResult(status, p.stdout, message=p.stderr.decode(errors="replace")[-500:],
                     seconds=time.perf_counter() - t0)  # fmt: skip


def qemu10_reference(
    src: str, elf: Path, march: str, record: int, count: int, cpu: str = QEMU10_CPU
) -> bytes:
    """Build ``src`` for ``march`` into ``elf`` and run it under qemu 10 with the extensions
    (``cpu``): its output, ``count`` records of ``record`` bytes (an AssertionError otherwise)."""
    build(src, elf, march)
    ref = run_qemu(elf, ext=True, cpu=cpu)
    assert ref.status == 0, ref.message
    assert len(ref.stdout) == record * count
    return ref.stdout


def record_diffs(
    what: list[str], ref: bytes, got: bytes, record: int, show: Callable[[bytes], str]
) -> list[str]:
    """One line per ``record``-byte record that differs between two outputs, named by ``what``
    and shown by ``show`` (which may get a short or empty record from a run that stopped)."""
    return [
        f"{name}: qemu {show(ref[record * k : record * (k + 1)])} / "
        f"tbwasm {show(got[record * k : record * (k + 1)])}"
        for k, name in enumerate(what)
        if ref[record * k : record * (k + 1)] != got[record * k : record * (k + 1)]
    ]


def value_and_flags(rec: bytes) -> str:
    """A 16-byte FP result record (record_diffs): the raw 64-bit value, then the fflags byte."""
    return f"{rec[:8][::-1].hex()} flags {rec[8] if len(rec) > 8 else -1:#x}"


def run_tbwasm(
    program: bytes, timeout: float = 60, argv0: str = "/prog", tier: str | None = None
) -> RunResult:
    """Run in this process through the native (wasmtime) host (in ``tier``, else the tier
    TBWASM_TIER names, else the default one)."""
    from doubles import NoInput, Sink

    from py_backend.host.native import NativeHost
    from py_backend.machine import Machine

    t0 = time.perf_counter()
    out, err = Sink(), Sink()
    host = NativeHost()
    machine = None
    try:
        machine = Machine(
            host.raw, program, [argv0], [], stdin=NoInput(), stdout=out, stderr=err,
            budget=2_000_000, batch=8, **({"tier": tier} if tier else {}),
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        action = host.run(machine, lambda: time.monotonic() < deadline)
        status, msg = action.status, action.message or ""
    except Exception as e:  # an emulator crash is a finding, not a harness failure
        status, msg = 70, f"python exception: {type(e).__name__}: {e}"
    insns = int(machine.stats()["guest_insns"]) if machine is not None else 0
    return RunResult(status, bytes(out.data), insns, msg, time.perf_counter() - t0)


def run_node(elf: Path, timeout: float = 300) -> RunResult:
    """The Node host (`node web/node/cli.mjs --stats PROG`); it loads Pyodide per run (~5-30 s)."""
    repo = HERE.parent.parent
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            [
                "node",
                str(repo / "web" / "node" / "cli.mjs"),
                "--stats",
                "--argv0",
                "/prog",
                str(elf),
            ],
            capture_output=True,
            timeout=timeout,
            cwd=repo,
        )
    except subprocess.TimeoutExpired as e:
        return RunResult(-1, e.stdout or b"", message="node timeout")
    err = p.stderr.decode(errors="replace")
    m = re.search(r"(\d+) insns in", err)
    insns = int(m.group(1)) if m else 0
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return RunResult(status, p.stdout, insns, err[-500:], time.perf_counter() - t0)


# --- comparison ------------------------------------------------------------------------------


def _fmt_f(v: int) -> str:
    d = struct.unpack("<d", struct.pack("<Q", v))[0]
    s = struct.unpack("<f", struct.pack("<I", v & 0xFFFFFFFF))[0]
    boxed = f" boxed-s={s!r}" if v >> 32 == 0xFFFFFFFF else ""
    return f"0x{v:016x} (d={d!r}{boxed})"


def diff_chunk(i: int, ref: bytes, got: bytes, vector: bool = False) -> list[str]:
    out: list[str] = []
    if len(got) < len(ref):
        out.append(f"chunk {i}: tbwasm output truncated ({len(got)} of {len(ref)} bytes)")
        return out
    xs = struct.unpack_from("<31Q", ref, 0), struct.unpack_from("<31Q", got, 0)
    for r in range(31):
        if xs[0][r] != xs[1][r]:
            out.append(f"chunk {i}: x{r + 1} qemu=0x{xs[0][r]:016x} tbwasm=0x{xs[1][r]:016x}")
    fs = (
        struct.unpack_from("<32Q", ref, rvgen.DUMP_X),
        struct.unpack_from("<32Q", got, rvgen.DUMP_X),
    )
    for r in range(32):
        if fs[0][r] != fs[1][r]:
            out.append(f"chunk {i}: f{r} qemu={_fmt_f(fs[0][r])} tbwasm={_fmt_f(fs[1][r])}")
    off = rvgen.DUMP_X + rvgen.DUMP_F
    a, b = struct.unpack_from("<Q", ref, off)[0], struct.unpack_from("<Q", got, off)[0]
    if a != b:
        out.append(f"chunk {i}: fcsr qemu=0x{a:x} tbwasm=0x{b:x}")
    if vector:
        out += diff_vector(i, ref, got)
    base = rvgen.DUMP_HDR
    bad = [k for k in range(rvgen.SCRATCH) if ref[base + k] != got[base + k]]
    if bad:
        shown = ", ".join(
            f"[x3{k - rvgen.MID:+d}] {ref[base + k]:02x}/{got[base + k]:02x}" for k in bad[:8]
        )
        out.append(f"chunk {i}: {len(bad)} scratch bytes differ (qemu/tbwasm): {shown}")
    return out


def diff_vector(i: int, ref: bytes, got: bytes) -> list[str]:
    """The vector CSRs and registers of a vector program's chunk dump (rvgen.VCSRS, v0..v31)."""
    out: list[str] = []
    off = rvgen.CHUNK_OUT
    for k, csr in enumerate(rvgen.VCSRS):
        a, b = (
            struct.unpack_from("<Q", ref, off + 8 * k)[0],
            struct.unpack_from("<Q", got, off + 8 * k)[0],
        )
        if a != b:
            out.append(f"chunk {i}: {csr} qemu=0x{a:x} tbwasm=0x{b:x}")
    off += 8 * len(rvgen.VCSRS)
    for v in range(32):
        a, b = ref[off + 16 * v : off + 16 * v + 16], got[off + 16 * v : off + 16 * v + 16]
        if a != b:
            out.append(f"chunk {i}: v{v} qemu={a[::-1].hex()} tbwasm={b[::-1].hex()}")
    return out


def compare(ref: RunResult, got: RunResult, nchunks: int, vector: bool = False) -> list[str]:
    out: list[str] = []
    size = rvgen.chunk_out(vector)
    for i in range(nchunks):
        a, b = ref.stdout[i * size : (i + 1) * size], got.stdout[i * size : (i + 1) * size]
        if a != b:
            out += diff_chunk(i, a, b, vector)
            if not out:
                out.append(f"chunk {i}: output differs")
            break  # later chunks are independent, but one finding at a time
    if not out and ref.stdout != got.stdout:
        out.append(f"output differs past the chunks ({len(ref.stdout)} vs {len(got.stdout)} bytes)")
    if ref.status != got.status:
        out.append(f"exit status qemu={ref.status} tbwasm={got.status} {got.message.strip()}")
    return out


def first_bad_chunk(diffs: list[str]) -> int | None:
    for d in diffs:
        if d.startswith("chunk "):
            return int(d.split()[1].rstrip(":"))
    return None


# --- one program end to end ------------------------------------------------------------------

Runner = Callable[[Path, bytes], RunResult]


def native_runner(elf: Path, data: bytes) -> RunResult:
    return run_tbwasm(data)


def tier_runner(tier: str) -> Runner:
    """The native host in ``tier`` (interp, jit, tiered)."""

    def runner(elf: Path, data: bytes) -> RunResult:
        return run_tbwasm(data, tier=tier)

    return runner


def node_runner(elf: Path, data: bytes) -> RunResult:
    return run_node(elf)


def check_program(
    prog: rvgen.Program, workdir: Path, name: str, runner: Runner = native_runner
) -> Outcome:
    elf = workdir / name
    build(prog.source(), elf, prog.march)
    data = elf.read_bytes()
    ref = run_prog_qemu(prog, elf)
    if ref.status != 0 or len(ref.stdout) != rvgen.chunk_out(prog.vector) * len(prog.chunks):
        raise BuildError(
            f"{name}: the program is broken under qemu: status {ref.status} {ref.message}"
        )
    got = runner(elf, data)
    return Outcome(name, got.insns, compare(ref, got, len(prog.chunks), prog.vector), ref, got)


def run_prog_qemu(prog: rvgen.Program, elf: Path) -> RunResult:
    """The reference run of a generated program: qemu 10 with V for a vector program."""
    if prog.vector:
        return run_qemu(elf, ext=True, cpu=QEMU10_FUZZ_VECTOR_CPU)
    return run_qemu(elf, ext=prog.ext)


# --- shrinking -------------------------------------------------------------------------------


def _item_lists(items: list[rvgen.Item]) -> list[list[rvgen.Item]]:
    """Every list of items in the tree, outermost first."""
    out = [items]
    for it in items:
        if it.children:
            out += _item_lists(it.children)
    return out


def _ddmin(lst: list[rvgen.Item], still_bad: Callable[[], bool]) -> None:
    """Delete items of `lst` in place while `still_bad()` holds (delta debugging, by chunks)."""
    n = 2
    while len(lst) >= 1:
        size = max(1, len(lst) // n)
        progressed = False
        start = 0
        while start < len(lst):
            saved = lst[start : start + size]
            del lst[start : start + size]
            if still_bad():
                progressed = True
            else:
                lst[start:start] = saved
                start += size
        if progressed:
            n = max(2, n - 1)
        elif size == 1:
            break
        else:
            n = min(len(lst), n * 2)


def shrink(
    prog: rvgen.Program,
    workdir: Path,
    runner: Runner = native_runner,
    log: Callable[[str], None] | None = None,
) -> tuple[rvgen.Program, list[str]]:
    """Minimise a mismatching program: keep its first bad chunk only, then delete items."""
    tries = 0
    last: list[str] = []

    def bad(p: rvgen.Program) -> bool:
        nonlocal tries, last
        tries += 1
        try:
            o = check_program(p, workdir, f"shrink{tries}", runner)
        except BuildError:
            return False
        if o.mismatch:
            last = o.mismatch
        return bool(o.mismatch)

    o = check_program(prog, workdir, "shrink0", runner)
    if o.ok:
        return prog, []
    last = o.mismatch
    idx = first_bad_chunk(o.mismatch)
    p = copy.deepcopy(prog)
    if idx is not None:
        one = rvgen.Program(p.seed, p.rvc, [p.chunks[idx]], p.ext, p.vector)
        if bad(one):
            p = one
    for c in p.chunks:
        c.funcs = [(n, body) for n, body in c.funcs]
        changed = True
        while changed:
            before = sum(1 for _ in _count(c))
            for lst in _item_lists(c.body):
                _ddmin(lst, lambda: bad(p))
            for _, body in c.funcs:
                for lst in _item_lists(body):
                    _ddmin(lst, lambda: bad(p))
            # unwrap control flow: replace an item with its children
            for lst in _item_lists(c.body):
                k = 0
                while k < len(lst):
                    it = lst[k]
                    if it.children:
                        lst[k : k + 1] = it.children
                        if bad(p):
                            continue
                        lst[k : k + len(it.children)] = [it]
                    k += 1
            used = "\n".join(ln for it in c.body for ln in it.lines())
            c.funcs = [(n, b) for n, b in c.funcs if n in used]
            changed = sum(1 for _ in _count(c)) < before
    if log:
        log(f"shrunk in {tries} runs")
    bad(p)
    return p, last


def _count(c: rvgen.Chunk) -> list[str]:
    lines = [ln for it in c.body for ln in it.lines()]
    for _, b in c.funcs:
        lines += [ln for it in b for ln in it.lines()]
    return lines


def body_disassembly(elf: Path) -> str:
    """objdump of the `*_body` .. `*_dump` range (and functions) of a built test program."""
    p = subprocess.run([OBJDUMP, "-d", str(elf)], capture_output=True, text=True)
    out, on = [], False
    for ln in p.stdout.splitlines():
        if ln.endswith("_body>:") or ln.endswith("_fn>:"):
            on = True
        elif ln.endswith("_dump>:") or ln.endswith("_end>:"):
            on = False
        if on:
            out.append(ln)
    return "\n".join(out)


def write_regression(prog: rvgen.Program, name: str, diffs: list[str], workdir: Path) -> Path:
    """Save a (shrunk) program as tests/differential/regressions/NAME.{S,elf,expected}."""
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    elf = workdir / name
    src = prog.source()
    note = "".join(f"# {d}\n" for d in diffs)
    src = f"# found by scripts/fuzz.py (seed {prog.seed!r}); mismatch when found:\n{note}{src}"
    build(src, elf, prog.march)
    ref = run_prog_qemu(prog, elf)
    dest = REGRESSIONS / name
    dest.with_suffix(".S").write_text(src)
    shutil.copy(elf, dest.with_suffix(".elf"))
    dest.with_suffix(".expected").write_bytes(ref.stdout)
    return dest.with_suffix(".S")


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="tbwasm-fuzz-", dir=os.environ.get("TMPDIR"))
