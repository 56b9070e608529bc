"""The tier the Node suite runs in: TBWASM_TIER=tiered|interp|jit and TBWASM_HOT_THRESHOLD=N.

``helpers.host_env()`` gives a host process a minimal environment; the Node tests add these two
to it, and the JS runtime (``web/runtime/runtime.mjs``) forwards them to the Machine inside Pyodide
(whose ``os.environ`` is not the process's), so ``TBWASM_TIER=interp pytest tests/node`` runs every
guest in tier 0 only.
"""

from __future__ import annotations

import os

import helpers

TIER_VARS = ("TBWASM_TIER", "TBWASM_HOT_THRESHOLD")


def tier_env() -> dict[str, str]:
    return {k: os.environ[k] for k in TIER_VARS if k in os.environ}


def node_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a node host process: helpers.host_env(), the tier variables, extra."""
    return {**helpers.host_env(), **tier_env(), **(extra or {})}
