"""Differential tests: each guest program under tbwasm must match qemu-riscv64.

stdout and the exit status must be equal; stderr too, except for programs killed by a signal,
where each emulator prints its own message (qemu-riscv64 7.2 prints nothing; tbwasm prints one
line `tbwasm: guest SIGxxx at pc=0x... (addr 0x...)`, checked with a regex).

Without qemu-riscv64 the tests still check tbwasm's exit status against the recorded one.
`TBWASM_TEST_SELF_CHECK=1` runs qemu in place of tbwasm (see tests/helpers.py).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import helpers
import pytest

Run = Callable[..., subprocess.CompletedProcess[bytes]]


@dataclass(frozen=True)
class Case:
    id: str
    prog: str
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)
    status: int = 0
    # regex for tbwasm's stderr when the guest dies from a signal; None: stderr must equal qemu's
    fault: str | None = None
    timeout: float = helpers.DEFAULT_TIMEOUT
    # qemu-riscv64 hands the guest its environment in reverse order; tbwasm keeps the order
    # given, as Linux's execve does.  For programs that print environ, compare sorted lines.
    env_order_free: bool = False
    # `-L DIR` for both runners: dynamically linked programs (guests/bin/dyn/)
    sysroot: str | None = None


def _fault(sig: str, addr: str | None = None) -> str:
    tail = rf" \(addr {addr}\)" if addr else r"( \(addr 0x[0-9a-f]+\))?"
    return rf"^tbwasm: guest {sig} at pc=0x[0-9a-f]+{tail}\n?$"


ECHO_IN = b"first line\n\n  indented\ttab\nlast without newline"

PROGRAMS: list[Case] = [
    Case("hello", "hello"),
    Case("args-none", "args"),
    Case(
        "args-many",
        "args",
        ("one", "two words", "", "--flag=x", "\u00e9t\u00e9"),
        env={"TBW_A": "1", "TBW_EMPTY": "", "TBW_SPACE": "a b", "OTHER": "hidden"},
        env_order_free=True,
    ),
    Case("intops", "intops"),
    # an interpreter loop: tiered, its jump-table dispatch and handlers compile into one region
    Case("dispatch", "dispatch", ("300000",)),
    Case("fpops", "fpops"),
    Case("malloc", "malloc"),
    Case("fileio", "fileio"),
    Case("setjmp", "setjmp"),
    Case("atomics", "atomics"),
    Case("smc", "smc", timeout=240),  # --tier jit retranslates 5,000 modules: ~15-40 s
    Case("echo", "echo", stdin=ECHO_IN),
    Case("echo-empty", "echo"),
    Case("exit42", "exit42", status=42),
    Case("abort", "abort", status=134, fault=r"^(tbwasm: guest SIGABRT[^\n]*\n?)?$"),
    Case("fault_segv", "fault_segv", status=139, fault=_fault("SIGSEGV", "0x3ffff00000")),
    Case("fault_null", "fault_null", status=139, fault=_fault("SIGSEGV", "0x0")),
    Case("fault_ill", "fault_ill", status=132, fault=_fault("SIGILL")),
    Case("fault_ebreak", "fault_ebreak", status=133, fault=_fault("SIGTRAP")),
    Case("fault_bus", "fault_bus", status=135, fault=_fault("SIGBUS")),
    Case("signals", "signals"),
    # TCP and UDP between guest processes over loopback (no network needed; qemu uses the host's)
    Case("net_pair", "net_pair"),
    Case("net_client-usage", "net_client", status=2),
    Case("signals-blocked-segv", "signals", ("blocked-segv",), status=139, fault=_fault("SIGSEGV")),
    Case("signals-ign-ill", "signals", ("ign-ill",), status=132, fault=_fault("SIGILL")),
    Case("signals-resethand", "signals", ("resethand",), status=138, fault=_fault("SIGUSR1")),
    Case("signals-unblock", "signals", ("unblock-fatal",), status=140, fault=_fault("SIGUSR2")),
    Case("sigtimer", "sigtimer"),
    Case("sigtimer-kill", "sigtimer", ("kill",), status=142, fault=_fault("SIGALRM")),
    Case("threads", "threads"),
    Case("threads-exit", "threads", ("exit",), status=3),
    Case("bench", "bench", ("3",)),
    Case("asm_hello", "asm_hello"),
    Case("asm_args", "asm_args", ("x", "yz"), status=3),
    Case("sc_codepage", "sc_codepage", timeout=30),  # once spun forever in --tier jit
]

# Dynamically linked (guests/bin/dyn/, built without -static): ld.so and libc come from the
# sysroot, given to qemu-riscv64 and to tbwasm as -L.
DYNAMIC: list[Case] = [
    Case("dyn-hello", "dyn/hello", sysroot=helpers.SYSROOT),  # PIE
    Case("dyn-hello-nopie", "dyn/hello_nopie", sysroot=helpers.SYSROOT),  # ET_EXEC
    Case("dyn-fpops", "dyn/fpops", sysroot=helpers.SYSROOT),  # + libm.so.6
    Case("dyn-malloc", "dyn/malloc", sysroot=helpers.SYSROOT),
    Case("dyn-fileio", "dyn/fileio", sysroot=helpers.SYSROOT),
    Case("dyn-signals", "dyn/signals", sysroot=helpers.SYSROOT),
    Case(
        "dyn-signals-blocked-segv",
        "dyn/signals",
        ("blocked-segv",),
        status=139,
        fault=_fault("SIGSEGV"),
        sysroot=helpers.SYSROOT,
    ),
    Case("procs", "procs"),  # fork, wait, pipes, groups, kill, poll: see guests/src/procs.c
    Case("dyn-threads", "dyn/threads", sysroot=helpers.SYSROOT),
    Case("dyn-threads-exit", "dyn/threads", ("exit",), status=3, sysroot=helpers.SYSROOT),
]

AWK_PROG = r"""
BEGIN { FS = ":"; OFS = "|" }
{ n[$1]++; s[$1] += $2; t += $2 * 1.5; line[NR] = toupper($3) }
$2 > 10 { big++ }
END {
  printf "records=%d big=%d total=%.2f\n", NR, big, t
  # Debian's busybox awk has no math library (no sqrt/sin/exp): plain arithmetic only
  printf "div=%.6f mod=%d int=%d neg=%d\n", t / 7, 47 % 5, int(-7.9), -t
  for (k in n) cnt++
  print "keys", cnt, length(line[2]), substr(line[1], 2, 3), index("hello", "ll")
  x = "a-b-c"; m = split(x, parts, "-"); print m, parts[3]
  gsub(/o/, "0", line[1]); print line[1]
  printf "%5s|%-5s|%05d|%x|%e\n", "ab", "cd", 42, 255, 12345.678
  print s["alpha"], s["beta"], s["gamma"]
}
"""
AWK_IN = b"alpha:5:one\nbeta:12:two\ngamma:30:three\nalpha:7:four\nbeta:1:five\n"

SED_IN = b"# comment\nfoo bar foo\nline two\nfoo three\n# another\nlast foo\n"
SORT_IN = b"10 b\n2 a\n33 c\n2 a\n-5 z\n7 b\n100 a\n"
TEXT_IN = b"the quick brown fox\njumps over\n\nthe lazy dog\nthe lazy dog\nEND\n"
CSV_IN = b"name:age:city\nann:31:oslo\nbob:27:rome\ncy:45:lima\n"

SH_SCRIPT = r"""
set -u
i=0; sum=0
while [ $i -lt 20 ]; do sum=$((sum + i * i)); i=$((i + 1)); done
echo "sum=$sum"
fib() {
  a=0; b=1; n=$1
  while [ $n -gt 0 ]; do t=$((a + b)); a=$b; b=$t; n=$((n - 1)); done
  echo $a
}
fib 30
for w in apple banana cherry 42 -x; do
  case $w in
    a*) printf '%s starts with a\n' "$w" ;;
    [0-9]*) printf 'number %d hex %x\n' "$w" "$w" ;;
    -*) echo "option $w" ;;
    *) echo "other ${w}:${#w}" ;;
  esac
done
set -- one two three
echo "argc=$# first=$1 all=$*"
shift; echo "after shift: $@"
v="hello world"; echo "${v%world}x ${v#hello } ${v:-default} ${unset_var:-dflt}"
printf '%5.2f|%-4s|%04d\n' 3.14159 ab 7
x=$(( (17 % 5) << 3 | 1 )); echo "x=$x" "$(( x > 16 ? 1 : 0 ))"
read -r a b <<EOF
alpha beta
EOF
echo "read: $a/$b"
exit 7
"""

# Debian's busybox sh runs every non-builtin applet (cat, rm, ...) with fork+exec, and under
# qemu-riscv64 that exec falls back to the *host's* /bin/cat. So file tests stay inside one
# shell process and use only builtins (redirects, read, echo, printf).
SH_TMPFILE = r"""
f=/tmp/tbw_bb_sh.txt
echo x > $f
echo 'second line' >> $f
printf '%s=%d\n' third 3 >> $f
while read -r l; do echo "[$l]"; done < $f
read -r first < $f; echo "first=$first"
exec 3< $f; read -r a <&3; read -r b <&3; exec 3<&-; echo "fd3: $a / $b"
: > $f
while read -r l; do echo "not empty"; done < $f
echo done
"""

BUSYBOX: list[Case] = [
    Case("awk", "busybox", ("awk", AWK_PROG), stdin=AWK_IN),
    Case(
        "sed",
        "busybox",
        ("sed", "-e", "/^#/d", "-e", "s/foo/FOO/g", "-e", "2,3s/^/> /", "-e", "$a\\the end"),
        stdin=SED_IN,
    ),
    Case("sed-n", "busybox", ("sed", "-n", "/foo/{s/o\\+/0/;p}"), stdin=SED_IN),
    Case("sort", "busybox", ("sort",), stdin=SORT_IN),
    Case("sort-n", "busybox", ("sort", "-n"), stdin=SORT_IN),
    Case("sort-rn", "busybox", ("sort", "-r", "-n"), stdin=SORT_IN),
    Case("sort-u", "busybox", ("sort", "-u"), stdin=SORT_IN),
    Case("sort-k", "busybox", ("sort", "-k2,2", "-k1,1n"), stdin=SORT_IN),
    Case("md5sum", "busybox", ("md5sum",), stdin=TEXT_IN * 50),
    Case("sha256sum", "busybox", ("sha256sum",), stdin=TEXT_IN * 50),
    Case("wc", "busybox", ("wc",), stdin=TEXT_IN),
    Case("wc-l", "busybox", ("wc", "-l"), stdin=TEXT_IN),
    Case("sh-builtins", "busybox", ("sh", "-c", SH_SCRIPT), status=7),
    Case("sh-args", "busybox", ("sh", "-c", 'echo "$0 $# $2"', "zero", "a", "b")),
    Case("tr", "busybox", ("tr", "a-z", "A-Z"), stdin=TEXT_IN),
    Case("tr-d", "busybox", ("tr", "-d", "aeiou"), stdin=TEXT_IN),
    Case("tr-s", "busybox", ("tr", "-s", " o"), stdin=b"too    many   spaces  ooo\n"),
    Case("cut-f", "busybox", ("cut", "-d:", "-f1,3"), stdin=CSV_IN),
    Case("cut-c", "busybox", ("cut", "-c2-5"), stdin=CSV_IN),
    Case("head", "busybox", ("head", "-n", "3"), stdin=TEXT_IN),
    Case("tail", "busybox", ("tail", "-n", "2"), stdin=TEXT_IN),
    Case("tail-c", "busybox", ("tail", "-c", "9"), stdin=TEXT_IN),
    Case("uniq-c", "busybox", ("uniq", "-c"), stdin=TEXT_IN),
    Case("basename", "busybox", ("basename", "/a/b/c.txt", ".txt")),
    Case("expr-mul", "busybox", ("expr", "6", "*", "7")),
    Case("expr-false", "busybox", ("expr", "3", ">", "5"), status=1),
    Case("expr-str", "busybox", ("expr", "length", "abcdef")),
    Case("seq", "busybox", ("seq", "1", "3", "20")),
    Case("seq-s", "busybox", ("seq", "-s", ",", "5")),
    Case("cat-stdin", "busybox", ("cat",), stdin=TEXT_IN),
    Case("false", "busybox", ("false",), status=1),
    Case("sh-tmpfile", "busybox", ("sh", "-c", SH_TMPFILE)),
]


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _check(case: Case, path: Path, qemu: Run | None, tbwasm: Run) -> None:
    kw = {"stdin": case.stdin, "env": case.env, "timeout": case.timeout, "sysroot": case.sysroot}
    if case.sysroot is not None and not Path(case.sysroot, "lib").is_dir():
        pytest.fail(f"sysroot {case.sysroot} missing: install gcc-riscv64-linux-gnu")
    got = tbwasm(path, case.args, **kw)
    ref = qemu(path, case.args, **kw) if qemu is not None else None
    err = _decode(got.stderr)
    if ref is not None:
        assert ref.returncode == case.status, f"qemu status changed: {ref.returncode}"
        if case.env_order_free:
            assert sorted(_decode(got.stdout).splitlines()) == sorted(
                _decode(ref.stdout).splitlines()
            )
        else:
            assert _decode(got.stdout) == _decode(ref.stdout)
    assert got.returncode == case.status, f"stderr: {err[-2000:]}"
    if case.fault is None:
        if ref is not None:
            assert err == _decode(ref.stderr)
    elif not helpers.self_check():
        assert re.match(case.fault, err), f"unexpected stderr: {err!r}"


def _maybe_qemu() -> Run | None:
    return helpers.qemu_run if helpers.have_qemu() else None


@pytest.mark.parametrize("case", PROGRAMS, ids=[c.id for c in PROGRAMS])
def test_program(case: Case, guest_bin: Callable[[str], Path], tbwasm_run: Run) -> None:
    _check(case, guest_bin(case.prog), _maybe_qemu(), tbwasm_run)


@pytest.mark.parametrize("case", DYNAMIC, ids=[c.id for c in DYNAMIC])
def test_dynamic(case: Case, guest_bin: Callable[[str], Path], tbwasm_run: Run) -> None:
    _check(case, guest_bin(case.prog), _maybe_qemu(), tbwasm_run)


@pytest.mark.parametrize("case", BUSYBOX, ids=[c.id for c in BUSYBOX])
def test_busybox(case: Case, guest_bin: Callable[[str], Path], tbwasm_run: Run) -> None:
    _check(case, guest_bin(case.prog), _maybe_qemu(), tbwasm_run)


def test_signals_sa_mask_blocks_during_handler(
    guest_bin: Callable[[str], Path], tbwasm_run: Run
) -> None:
    """sa_mask is blocked while the handler runs, as on Linux.  Not compared with qemu-riscv64
    7.2: it reads riscv's struct sigaction as {handler, flags, restorer, mask} (the kernel's has
    no sa_restorer), so glibc's sa_mask never reaches it and it prints usr2=0 hup=0."""
    r = tbwasm_run(guest_bin("signals"), ("sa-mask",))
    if helpers.self_check():
        return
    assert r.returncode == 0, r.stderr
    assert r.stdout == (b"sa_mask in handler: usr1=1 usr2=1 hup=1; after: usr1=0 usr2=0 hup=0\n")


def test_loop_runs_until_killed(guest_bin: Callable[[str], Path], tbwasm_run: Run) -> None:
    """`loop` prints and flushes, then spins: the run must time out with the line printed."""
    with pytest.raises(subprocess.TimeoutExpired) as ei:
        tbwasm_run(guest_bin("loop"), timeout=5 if helpers.self_check() else 20)
    assert (ei.value.stdout or b"") == b"looping\n"


def test_same_argv0_and_env(guest_bin: Callable[[str], Path], tbwasm_run: Run) -> None:
    """Both runners give argv[0] = the path as passed and only the chosen TBW_ variables."""
    path = guest_bin("args")
    r = tbwasm_run(path, ("a",), env={"TBW_X": "1"})
    assert r.stdout.decode().splitlines() == [
        "argc=2",
        f"argv[0]=[{path}]",
        "argv[1]=[a]",
        "env: TBW_X=1",
        "tbw_env_count=1",
    ]
