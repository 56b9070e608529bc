"""Every repository path that a doc or a comment names exists.

Scanned: README.md and docs/*.md (their whole text), and the comments of the code under
py_backend/, web/, tests/, scripts/ and bench/ plus Makefile and serve.py (Python: `#` comments
and triple-quoted strings, which hold the docstrings; JavaScript/TypeScript: `//` and `/* */`;
shell and Makefile: `#`). A path is a word that starts with one of the top-level folders below and
goes on with `/`, like `py_backend/linux/vfs.py` or `tests/unit`. Not checked:

- a path preceded by `/`, `.` or a word character (`../web/x.mjs`, a URL): not from the root;
- a path under a folder that .gitignore anchors at the root (`/bench/out/`, `/static/wheels/`):
  made by the scripts, absent from a fresh clone;
- a path with a placeholder segment in capitals (`guests/bin/NAME.elf`, `.../PATH.gz`), or
  followed by a template (`regressions/fuzz_<seed>`).

A glob (`tests/node/test_net_*.py`) must match at least one file. When files move, this test
names every doc and comment that still points at the old place.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("py_backend", "web", "tests", "docs", "scripts", "bench")
CODE_DIRS = ("py_backend", "web", "tests", "scripts", "bench")
CODE_FILES = ("Makefile", "serve.py")
SKIP_PARTS = {"node_modules", "__pycache__", "out"}

# A path: a known top-level folder, `/`, then path characters, ending on a word character or a
# glob star (so that the full stop closing a sentence is not part of it).
PATH = re.compile(rf"(?<![\w./-])(?:{'|'.join(PREFIXES)})/[\w.*/-]*[\w*]")
# A placeholder segment: NAME, PATH, N.S (a word in capitals standing for a value)
PLACEHOLDER = re.compile(r"(?:^|[/.-])(?:NAME|PATH|N|S|PID)(?=$|[/.-])")
JS_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)
HASH_COMMENT = re.compile(r"(?:^|\s)#[^\n]*")


def _python_comments(text: str) -> Iterator[str]:
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.string
        elif tok.type == tokenize.STRING and tok.string.lstrip("rbfuRBFU")[:3] in ('"""', "'''"):
            yield tok.string


def comments(path: Path) -> Iterator[str]:
    """The doc's text, or the comments of a code file."""
    text = path.read_text(errors="replace")
    if path.suffix == ".md":
        yield text
    elif path.suffix == ".py":
        yield from _python_comments(text)
    elif path.suffix in (".mjs", ".js", ".ts"):
        yield from JS_COMMENT.findall(text)
    else:  # shell, Makefile
        yield from HASH_COMMENT.findall(text)


def scanned_files() -> list[Path]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    code = [ROOT / name for name in CODE_FILES]
    for folder in CODE_DIRS:
        for p in sorted((ROOT / folder).rglob("*")):
            rel = p.relative_to(ROOT).parts
            if p.suffix in (".py", ".mjs", ".js", ".ts", ".sh") and not SKIP_PARTS & set(rel):
                code.append(p)
    return docs + code


def generated_prefixes() -> tuple[str, ...]:
    """The folders and files .gitignore anchors at the root (`/bench/out/`): made, not committed."""
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(ln.strip("/") for ln in lines if ln.startswith("/") and "*" not in ln)


def exists(path: str) -> bool:
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


def stale_paths() -> list[str]:
    generated = generated_prefixes()
    out = []
    for f in scanned_files():
        for chunk in comments(f):
            for m in PATH.finditer(chunk):
                p = m.group()
                template = chunk[m.end() : m.end() + 1] in ("<", "{")  # fuzz_<seed>.{S,elf}
                if (
                    template
                    or PLACEHOLDER.search(p)
                    or any(p == g or p.startswith(g + "/") for g in generated)
                ):
                    continue
                if not exists(p):
                    out.append(f"{f.relative_to(ROOT)}: {p}")
    return sorted(set(out))


def test_every_path_named_in_a_doc_or_a_comment_exists() -> None:
    stale = stale_paths()
    assert not stale, "paths that do not exist:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see py_backend/linux/vfs.py.", ["py_backend/linux/vfs.py"]),
        ("`tests/node/test_net_*.py`", ["tests/node/test_net_*.py"]),
        ("run docs/FACTS, then", ["docs/FACTS"]),
        ("https://example.org/web/x.mjs and ../web/y.mjs", []),
        ("the web/ folder, and tests in prose", []),
    ],
)
def test_the_path_pattern(text: str, found: list[str]) -> None:
    assert PATH.findall(text) == found


def test_the_checks_catch_a_missing_file_and_skip_placeholders() -> None:
    assert not exists("docs/FACTS") and not exists("tests/nothing_*.py")
    assert exists("tests/unit/test_doc_paths.py") and exists("tests/unit/test_doc_*.py")
    assert PLACEHOLDER.search("guests/bin/NAME.elf") and not PLACEHOLDER.search("docs/FACTS")
    assert "bench/out" in generated_prefixes()
