"""The test suites themselves: pytest imports test modules by their basename (no packages under
tests/), so two test files of the same name in different folders stop the whole run at
collection. This catches it in the quick loop, before a full run does."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.all_tiers  # no guest code runs

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_name_of_its_own() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for p in TESTS.rglob("test_*.py"):
        where[p.name].append(str(p.relative_to(TESTS)))
    clashes = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not clashes, f"test modules sharing a basename: {clashes}"
