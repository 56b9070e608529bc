"""`tbwasm` command line: run or disassemble a riscv64 Linux ELF.

Exit status: the guest's, 128 + signal when it dies from one, else a host status
(abi.HostStatus): 2 for a bad command line or a program that cannot be loaded, 70 for an
internal emulator error, 130 when --timeout stopped the guest."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .abi import STOPPED_MESSAGE, HostStatus
from .cli_options import add_options

if TYPE_CHECKING:
    from .host.native import NativeHost
    from .linux.rootfs import Rootfs
    from .machine import Machine

EXIT_USAGE = HostStatus.USAGE


def _err(msg: str) -> None:
    sys.stderr.write(f"tbwasm: {msg}\n")
    sys.stderr.flush()


def _log_to_stderr(prefix: str) -> Callable[[str], None]:
    def log(line: str) -> None:
        sys.stderr.write(f"[{prefix}] {line}\n")

    return log


def _read_program(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        _err(f"cannot read {path}: {e.strerror or e}")
        return None


class _Stdin:
    """Reads whatever is available, like read(2) on a pipe or terminal."""

    def read(self, n: int) -> bytes:
        try:
            return os.read(0, max(0, min(n, 1 << 20)))
        except OSError:
            return b""

    def host_stat(self) -> os.stat_result | None:
        """Our stdin when it is a regular file (`< FILE`): the guest's fstat(0) describes it."""
        try:
            st = os.fstat(0)
        except OSError:
            return None
        return st if stat.S_ISREG(st.st_mode) else None

    def poll(self, timeout: float | None) -> bytes | None:
        """The terminal's input (linux/ttyfile.HostInput): what is typed within ``timeout``."""
        import select

        try:
            ready, _, _ = select.select([0], [], [], timeout)
        except (OSError, ValueError):
            return b""
        if not ready:
            return None
        return self.read(4096)


class _RawTerminal:
    """The host terminal in raw mode while the guest runs on its emulated one (its line
    discipline does the editing, echo and ^C); restored on exit."""

    def __init__(self) -> None:
        import termios
        import tty

        self.saved = termios.tcgetattr(0)
        tty.setraw(0)

    def restore(self) -> None:
        import termios

        termios.tcsetattr(0, termios.TCSADRAIN, self.saved)


class _Out:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError:
            pass  # a closed pipe: the guest keeps running, like writes to /dev/null


def _sysroot(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The sysroot (-L/--sysroot, else $QEMU_LD_PREFIX as qemu-user reads it) and whether the
    command line gave it.  An empty value means none."""
    if args.sysroot is not None:
        return args.sysroot or None, True
    return os.environ.get("QEMU_LD_PREFIX") or None, False


def _load_program(args: argparse.Namespace) -> tuple[bytes, Rootfs | None] | None:
    """PROG's bytes and the --rootfs image, if given (an absolute PROG is then a path in the
    image, else a host file, as without); None once an error is said."""
    if not args.rootfs:
        program = _read_program(args.program)
        return None if program is None else (program, None)
    from .linux.errors import SyscallError
    from .linux.rootfs import Rootfs, RootfsError, strerror

    try:
        rootfs = Rootfs.from_dir(args.rootfs)
    except RootfsError as e:
        _err(str(e))
        return None
    if not args.program.startswith("/"):
        program = _read_program(args.program)
    else:
        try:
            program = rootfs.read_file(args.program)
        except SyscallError as e:
            if not os.path.isfile(args.program):
                _err(f"cannot read {args.program} in the rootfs: {strerror(e.errno)}")
                return None
            program = _read_program(args.program)
    return None if program is None else (program, rootfs)


def cmd_run(args: argparse.Namespace) -> int:
    from .linux.errors import ElfError, NeedsSysroot

    loaded = _load_program(args)
    if loaded is None:
        return EXIT_USAGE
    program, rootfs = loaded
    env = list(args.env) if args.env else None
    host_dirs = {}
    for spec in args.mount or []:
        guest, _, host = spec.partition("=")
        if not guest.startswith("/") or not host:
            _err(f"--mount wants GUEST_DIR=HOST_DIR, got {spec!r}")
            return EXIT_USAGE
        host_dirs[guest] = host
    sysroot, explicit = _sysroot(args)
    if sysroot is not None and not os.path.isdir(sysroot):
        if explicit:
            _err(f"-L {sysroot}: not a directory")
            return EXIT_USAGE
        sysroot = None  # like qemu, a QEMU_LD_PREFIX that does not exist is no prefix
    try:
        from .host.native import NativeHost
    except ImportError as e:
        _err(f"the native host needs wasmtime ({e}); pip install wasmtime")
        return EXIT_USAGE
    from .machine import Machine
    from .options import MachineOptions

    on_tty = args.tty == "on" or (args.tty == "auto" and os.isatty(0) and os.isatty(1))
    size = None
    if on_tty:
        try:
            cols, rows = os.get_terminal_size(1)
        except OSError:
            cols, rows = 80, 24
        size = (rows, cols)
    trace = _log_to_stderr("trace") if args.trace else None
    t0 = time.perf_counter()
    host = NativeHost(code_cache=args.code_cache)
    try:
        machine = Machine(
            host.raw,
            program,
            [args.argv0 or args.program, *args.args],
            env,
            stdin=_Stdin(),
            stdout=_Out(1),
            stderr=_Out(2),
            options=MachineOptions.from_env(
                budget=args.budget,
                batch=args.batch,
                count_tbs=args.stats,
                max_tbs=args.max_tbs or None,
                tier=args.tier,
                hot_threshold=args.hot_threshold,
            ),
            trace=trace,
            strace=_log_to_stderr("strace") if args.strace else None,
            sleep=_SLEEP,
            host_dirs=host_dirs,
            sysroot=sysroot,
            terminal=size,
            rootfs=rootfs,
        )
    except NeedsSysroot as e:
        _err(e.for_program(args.program))
        return EXIT_USAGE
    except ElfError as e:
        _err(f"{args.program}: {e}")
        return EXIT_USAGE
    if _setup_net(args, machine) is not None:
        return EXIT_USAGE
    return _drive(host, machine, args, t0, on_tty, {"tty": on_tty})


def _setup_net(args: argparse.Namespace, machine: Machine) -> str | None:
    """--net / --net-allow: the guest's outside connections go to host sockets (None), or
    the one-line error of a malformed --net-allow (printed)."""
    if not (getattr(args, "net", False) or getattr(args, "net_allow", None)):
        return None
    from .host.netsock import HostSockets
    from .netpolicy import NetPolicy

    backend = HostSockets()
    try:
        policy = NetPolicy.from_specs(args.net_allow or [], resolve=backend.addresses)
    except ValueError as e:
        _err(str(e))
        return str(e)
    backend.policy = policy
    machine.linux.net.backend = backend
    machine.linux.net.policy = policy
    return None


class _StoppableSleep:
    """How the guest sleeps on the native CLI: in slices, so that --timeout (and ^C with
    --save-state) cut a sleeping guest short as they stop a running one.  Cut short, it returns
    True: the Linux layer answers EINTR and the run stops at its next exit to the host."""

    SLICE_S = 0.1

    def __init__(self) -> None:
        self.should_stop: Callable[[], bool] = lambda: False
        self.host: NativeHost | None = None  # told to look at should_stop at its next exit

    def __call__(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while not self.should_stop():
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, self.SLICE_S))
        if self.host is not None:
            self.host.check_soon = True
        return True


# one per process, named as a host object in saved states (state.save's externals)
_SLEEP = _StoppableSleep()


class _Saver:
    """--save-state FILE: the state is written when the tbwasm process gets SIGUSR2 (at the
    next budget exit; the run goes on) and when the run is stopped (--timeout, ^C)."""

    def __init__(self, path: str, meta: dict) -> None:
        import signal

        self.path, self.meta = path, meta
        self.requested = False
        self.interrupted = False
        signal.signal(signal.SIGUSR2, self._request)

    def _request(self, _sig: int, _frame: object) -> None:
        self.requested = True

    def interrupt(self, _sig: int, _frame: object) -> None:
        self.interrupted = True

    def save(self, machine: Machine) -> bool:
        from .state import StateError, save

        self.requested = False
        try:
            data = save(machine.system, externals={"sleep": _SLEEP}, meta=self.meta)
            tmp = f"{self.path}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, self.path)
        except (StateError, OSError) as e:
            _err(f"cannot save the state to {self.path}: {e}")
            return False
        return True


def _drive(
    host: NativeHost, machine: Machine, args: argparse.Namespace, t0: float, on_tty: bool,
    meta: dict,
) -> int:  # fmt: skip
    """Run (or resume) ``machine`` to its end: --timeout, --save-state, the host terminal."""
    deadline = time.monotonic() + args.timeout if args.timeout else None
    saver = _Saver(args.save_state, meta) if args.save_state else None
    if saver is not None and machine.system.idle_slice is None:
        # a guest waiting for input: the loop looks at SIGUSR2 / ^C this often
        machine.system.idle_slice = 0.25

    def should_stop() -> bool:
        return (deadline is not None and time.monotonic() >= deadline) or (
            saver is not None and saver.interrupted
        )

    def on_budget() -> bool:
        stop = should_stop()
        if saver is not None and (saver.requested or stop):
            saver.save(machine.system.current)
        return not stop

    _SLEEP.should_stop, _SLEEP.host = should_stop, host

    raw = None
    if on_tty and os.isatty(0):
        raw = _RawTerminal()
        term = machine.linux.terminal

        def winch(_sig: int, _frame: object) -> None:
            if term is not None:
                cols, rows = os.get_terminal_size(1)
                term.tty.resize(rows, cols)

        import signal

        signal.signal(signal.SIGWINCH, winch)
    elif saver is not None:
        import signal

        signal.signal(signal.SIGINT, saver.interrupt)  # ^C: save, then stop as --timeout does
    try:
        action = host.run(machine, on_budget)
    finally:
        if raw is not None:
            raw.restore()
    elapsed = time.perf_counter() - t0
    if action.message:
        msg = action.message
        if deadline is not None and time.monotonic() >= deadline and msg == STOPPED_MESSAGE:
            msg = f"{STOPPED_MESSAGE} after --timeout {args.timeout}s"
        sys.stderr.write(msg + "\n")
    if args.stats:
        s = machine.system.init.stats()  # the first process (after its execs)
        mips = s["guest_insns"] / elapsed / 1e6 if elapsed > 0 else 0.0
        sys.stderr.write(
            f"tbwasm: guest instructions {int(s['guest_insns'])}, TBs translated "
            f"{int(s['tbs_translated'])}, modules compiled {int(s['modules_compiled'])}, "
            f"TB entries {int(s['tb_entries'])}, host calls {int(s['host_calls'])}, "
            f"guest MIPS {mips:.1f}, translation {s['translate_seconds'] * 1e3:.1f} ms, "
            f"wall {elapsed * 1e3:.1f} ms\n"
            f"tbwasm: tier {s['tier']}: interpreted {int(s['interp_insns'])} instructions, "
            f"compiled {int(s['guest_insns'] - s['interp_insns'])}, hot exits "
            f"{int(s['hot_exits'])}, engine compile {host.compile_seconds * 1e3:.1f} ms\n"
            f"tbwasm: unsupported syscalls {int(s['unsupported_syscalls'])} "
            f"({' '.join(str(n) for n in machine.linux.unknown_syscalls) or 'none'})\n"
        )
        if s["processes"] > 1 or s["execs"]:
            sys.stderr.write(
                f"tbwasm: processes {int(s['processes'])}, execs {int(s['execs'])}; all of them: "
                f"guest instructions {int(s['all_guest_insns'])} (interpreted "
                f"{int(s['all_interp_insns'])}), TBs translated {int(s['all_tbs_translated'])}, "
                f"modules compiled {int(s['all_modules_compiled'])}, hot regions reused "
                f"{int(s['all_reused_modules'])}\n"
            )
    return action.status


def cmd_resume(args: argparse.Namespace) -> int:
    from .state import StateError, restore

    try:
        with open(args.state, "rb") as f:
            data = f.read()
    except OSError as e:
        _err(f"cannot read {args.state}: {e.strerror or e}")
        return EXIT_USAGE
    try:
        from .host.native import NativeHost
    except ImportError as e:
        _err(f"the native host needs wasmtime ({e}); pip install wasmtime")
        return EXIT_USAGE
    t0 = time.perf_counter()
    host = NativeHost(code_cache=args.code_cache)
    try:
        system = restore(data, (0, host.raw), host, externals={"sleep": _SLEEP})
    except StateError as e:
        _err(f"{args.state}: {e}")
        return EXIT_USAGE
    if _setup_net(args, system.init) is not None:  # (a restore brings no backend)
        return EXIT_USAGE
    meta = system.state_meta or {}
    on_tty = bool(meta.get("tty")) and system.terminal is not None
    if on_tty and system.terminal is not None:
        try:
            cols, rows = os.get_terminal_size(1)
            system.terminal.tty.resize(rows, cols)
        except OSError:
            pass
    return _drive(host, system.init, args, t0, on_tty, meta)


def cmd_disas(args: argparse.Namespace) -> int:
    from .isa.disasm import disassemble_elf
    from .linux.errors import ElfError

    loaded = _load_program(args)
    if loaded is None:
        return EXIT_USAGE
    try:
        text = disassemble_elf(loaded[0])
    except (ElfError, ValueError) as e:
        _err(f"{args.program}: {e}")
        return EXIT_USAGE
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tbwasm", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"tbwasm {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a riscv64 Linux ELF (static, or dynamic with -L)")
    r.add_argument("program")
    r.add_argument("args", nargs=argparse.REMAINDER)
    add_options(r, "run")
    r.set_defaults(fn=cmd_run)
    s = sub.add_parser("resume", help="continue a run saved with --save-state")
    s.add_argument("state", metavar="FILE")
    add_options(s, "resume")
    s.set_defaults(fn=cmd_resume)
    d = sub.add_parser("disas", help="disassemble the code of a riscv64 ELF")
    d.add_argument("program")
    d.add_argument(
        "--rootfs",
        metavar="DIR",
        help="an absolute PROG is a path in the root filesystem image DIR",
    )
    d.set_defaults(fn=cmd_disas)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args))


def entry() -> NoReturn:
    """The `tbwasm` command: main(), then the process ends without tearing the interpreter down
    (freeing every object, the guest's memory and wasmtime's engine: ~50 ms of a short run).
    Nothing is left to do by then: guest output and host files are written unbuffered or closed
    as they go, and no thread is left running."""
    status = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    # (through its package name, so that the objects a saved state names are py_backend.cli's)
    from py_backend.cli import entry as _entry

    _entry()
