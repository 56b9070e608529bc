"""`MachineOptions`: the one list of a machine's options.

Every host passes these: the native CLI builds them from its command line, the Pyodide bridge
from a JavaScript options object whose keys are the ``js`` names of abi.json's ``options``
(generated from this dataclass by `options_table`), tests from keywords.  The environment
(TBWASM_TIER, TBWASM_HOT_THRESHOLD, TBWASM_DEBUG: how the test suites run every host in every
tier) is read once, by `MachineOptions.from_env`.  Host objects (streams, callbacks such as
``trace``/``strace``/``sleep``, a root filesystem) are not options: they are Machine's own
keywords.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import abi
from .block import MAX_BLOCK_INSNS


@dataclass(frozen=True, slots=True)
class MachineOptions:
    tier: str = abi.DEFAULT_TIER  # "tiered", "interp" or "jit" (abi.TIERS)
    hot_threshold: int = abi.HOT_THRESHOLD  # tiered: block entries before a region compiles
    budget: int = abi.DEFAULT_BUDGET  # guest instructions per slice (a budget exit after)
    batch: int = 16  # --tier jit: TBs speculatively translated into one module
    max_block_insns: int = MAX_BLOCK_INSNS  # instructions per TB at most
    max_tbs: int = abi.MAX_TBS  # live TB ids at most (fewer: the cache flushes sooner)
    count_tbs: bool = False  # the generated code counts TB entries (the chain-hits statistic)
    debug: bool = False  # an emulator bug raises (a traceback) instead of one line

    def __post_init__(self) -> None:
        if self.tier not in abi.TIERS:
            raise ValueError(f"unknown tier {self.tier!r} (one of {', '.join(abi.TIERS)})")
        object.__setattr__(self, "hot_threshold", max(1, min(self.hot_threshold, 0xFFFFFFFF)))
        object.__setattr__(self, "max_tbs", max(abi.FIRST_TB + 1, min(self.max_tbs, abi.MAX_TBS)))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: Any) -> MachineOptions:
        """The options ``given`` (None values left out), the rest from the environment
        (TBWASM_TIER, TBWASM_HOT_THRESHOLD, TBWASM_DEBUG), else the defaults."""
        env = os.environ if env is None else env
        values = {k: v for k, v in given.items() if v is not None}
        if "tier" not in values and env.get("TBWASM_TIER"):
            values["tier"] = env["TBWASM_TIER"]
        threshold = env.get("TBWASM_HOT_THRESHOLD", "")
        if "hot_threshold" not in values and threshold.isdigit():
            values["hot_threshold"] = int(threshold)
        if "debug" not in values and env.get("TBWASM_DEBUG"):
            values["debug"] = True
        return cls(**values)


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(w.capitalize() for w in rest)


def options_table() -> list[dict[str, Any]]:
    """Each option as ``{"name", "js", "type", "default"}`` (abi.json's ``options``)."""
    out = []
    for f in dataclasses.fields(MachineOptions):
        out.append(
            {"name": f.name, "js": _camel(f.name), "type": str(f.type), "default": f.default}
        )
    return out


_TYPES: dict[str, type] = {"str": str, "int": int, "bool": bool}
# JS name -> (field name, its type): how a JS host's options object becomes Machine keywords
OPTION_TYPES = {
    _camel(f.name): (f.name, _TYPES[str(f.type)]) for f in dataclasses.fields(MachineOptions)
}
