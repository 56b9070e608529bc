"""``decode(word) -> Insn | None``, derived from ``table.ROWS`` on the first decode.

Each row becomes a small generated function that builds its ``Insn`` (straight-line shifts and
masks, no loops). Rows are arranged in a decision tree: at each node the bits that every
remaining row fixes are used as a dict key, so a lookup is two or three dict probes and a short
scan of the few rows that share all their common bits (with their reserved sub-patterns).
Results are cached per word, since the same words recur across a binary.

The trees are built when the first word misses the cache, not at import (~40 ms: a program
that tier 0 runs to its end never decodes in Python).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from .insn import Insn
from .table import ROWS16, ROWS32, Row

Builder = Callable[[int], Insn]
Leaf = tuple[tuple[int, int, tuple[tuple[int, int], ...], Builder], ...]


@dataclass(frozen=True, slots=True)
class _Split:
    mask: int
    children: dict[int, _Split | Leaf]


def _builder_source(fn_name: str, row: Row) -> str:
    """Python source of a function building ``row``'s Insn from the word ``w``."""
    args = [repr(row.name), repr(row.mnemonic), str(row.size), "w"]
    values: dict[str, str] = {}
    for f in row.fmt.fields:
        e = f.expr("w")
        values[f.attr] = f"bool({e})" if f.attr in ("aq", "rl") else e
    for attr, const in row.fmt.implied:
        values[attr] = repr(const)
    for dst, src in row.fmt.copies:
        values[dst] = "_" + src
    # Copies refer to an already-computed field: bind those to locals first.
    lines = [f"def {fn_name}(w):"]
    for src in {src for _, src in row.fmt.copies}:
        lines.append(f"    _{src} = {values[src]}")
        values[src] = "_" + src
    kw = ", ".join(f"{k}={v}" for k, v in values.items())
    lines.append(f"    return Insn({', '.join(args)}{', ' if kw else ''}{kw})")
    return "\n".join(lines)


def _compile(rows: Sequence[Row]) -> list[Builder]:
    src = "\n\n".join(_builder_source(f"_b{i}", r) for i, r in enumerate(rows))
    ns: dict[str, object] = {"Insn": Insn}
    exec(compile(src, f"<isa decoders {rows[0].size * 8}-bit>", "exec"), ns)
    return [ns[f"_b{i}"] for i in range(len(rows))]  # type: ignore[misc]


def _build_tree(entries: list[tuple[Row, Builder]], known: int, full: int) -> _Split | Leaf:
    # The payload (a builder, or the row for row_tree) is carried through untouched.
    common = full & ~known
    for row, _ in entries:
        common &= row.mask
    if len(entries) <= 1 or common == 0:
        return tuple((r.mask, r.match, r.reserved, b) for r, b in entries)
    groups: dict[int, list[tuple[Row, Builder]]] = {}
    for e in entries:
        groups.setdefault(e[0].match & common, []).append(e)
    return _Split(common, {k: _build_tree(g, known | common, full) for k, g in groups.items()})


def build_tree(rows: Sequence[Row], size: int) -> _Split | Leaf:
    full = (1 << (size * 8)) - 1
    return _build_tree(list(zip(rows, _compile(rows), strict=True)), 0, full)


def row_tree(rows: Sequence[Row], size: int) -> _Split | tuple[tuple[int, int, tuple, Row], ...]:
    """The same decision tree with each leaf entry's last item the row itself: for decoders
    generated in other languages (tier 0 emits it as Wasm, see translate/tier0.py)."""
    full = (1 << (size * 8)) - 1
    entries: list[tuple[Row, Any]] = [(r, r) for r in rows]  # the row in the builder's place
    return cast("_Split | tuple[tuple[int, int, tuple, Row], ...]", _build_tree(entries, 0, full))


_TREES: list[_Split | Leaf] = []  # 32-bit and 16-bit, once built


def _trees() -> list[_Split | Leaf]:
    """The decode trees, built on the first call (`prepare` builds them ahead: a memory
    snapshot of the process then holds them)."""
    if not _TREES:
        _TREES[:] = [build_tree(ROWS32, 4), build_tree(ROWS16, 2)]  # one step: thread-safe
    return _TREES


def prepare() -> None:
    """Build the decode trees now rather than at the first decode."""
    _trees()


_CACHE_LIMIT = 1 << 16
_cache: dict[int, Insn | None] = {}
_MISSING = object()


def _lookup(tree: _Split | Leaf, w: int) -> Insn | None:
    node = tree
    while type(node) is _Split:
        node = node.children.get(w & node.mask)  # type: ignore[assignment]
        if node is None:
            return None
    for mask, match, reserved, build in node:  # type: ignore[union-attr]
        if w & mask == match:
            for rmask, rmatch in reserved:
                if w & rmask == rmatch:
                    break
            else:
                return build(w)
    return None


def decode_uncached(word: int) -> Insn | None:
    tree32, tree16 = _trees()
    if word & 3 == 3:
        return _lookup(tree32, word & 0xFFFFFFFF)
    return _lookup(tree16, word & 0xFFFF)


def decode(word: int) -> Insn | None:
    """Decode the instruction at the start of ``word`` (32 bits read at pc).

    If ``word & 3 != 3`` only the low 16 bits are used (a compressed instruction); the result's
    ``size`` says how far to advance. Returns None for illegal or reserved encodings.
    """
    # 32-bit keys end in 0b11 and 16-bit keys never do, so one cache serves both.
    w = word & 0xFFFFFFFF if word & 3 == 3 else word & 0xFFFF
    hit = _cache.get(w, _MISSING)
    if hit is not _MISSING:
        return hit  # type: ignore[return-value]
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    trees = _TREES or _trees()
    insn = _lookup(trees[0] if w & 3 == 3 else trees[1], w)
    _cache[w] = insn
    return insn
