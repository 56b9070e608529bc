"""MachineOptions (py_backend/options.py) and the host contract abi.json carries: the options
table, the action kinds and the other-space encoding of a run action."""

from __future__ import annotations

import dataclasses

import pytest

from py_backend import abi
from py_backend.memory import CopiesTo, Discardable, GuestDirtyMap, ZeroesPages, anonymous_memory
from py_backend.options import OPTION_TYPES, MachineOptions, options_table


def test_from_env_reads_the_environment_once_given_values_win() -> None:
    env = {"TBWASM_TIER": "jit", "TBWASM_HOT_THRESHOLD": "7", "TBWASM_DEBUG": "1"}
    o = MachineOptions.from_env(env)
    assert (o.tier, o.hot_threshold, o.debug) == ("jit", 7, True)
    o = MachineOptions.from_env(env, tier="interp", hot_threshold=None, budget=1000)
    assert (o.tier, o.hot_threshold, o.budget) == ("interp", 7, 1000)
    o = MachineOptions.from_env({"TBWASM_HOT_THRESHOLD": "x"})
    assert (o.tier, o.hot_threshold, o.debug) == (abi.DEFAULT_TIER, abi.HOT_THRESHOLD, False)


def test_options_are_checked_and_clamped() -> None:
    with pytest.raises(ValueError, match="unknown tier"):
        MachineOptions(tier="fast")
    with pytest.raises(TypeError):
        MachineOptions.from_env({}, no_such_option=1)
    o = MachineOptions(hot_threshold=0, max_tbs=1 << 40)
    assert (o.hot_threshold, o.max_tbs) == (1, abi.MAX_TBS)


def test_abi_json_options_are_the_dataclass() -> None:
    table = abi.as_dict()["options"]
    assert table == options_table()
    fields = dataclasses.fields(MachineOptions)
    assert [e["name"] for e in table] == [f.name for f in fields]
    defaults = MachineOptions()
    for e in table:
        assert e["default"] == getattr(defaults, e["name"])
        assert e["type"] in ("str", "int", "bool")
        assert OPTION_TYPES[e["js"]][0] == e["name"]
    js = {e["name"]: e["js"] for e in table}
    assert js["hot_threshold"] == "hotThreshold" and js["max_tbs"] == "maxTbs"


def test_action_contract() -> None:
    action = abi.as_dict()["action"]
    assert action["kinds"] == {"run": "run", "exit": "exit", "idle": "idle", "error": "error"}
    assert "block" not in action["kinds"] and "replaced" not in action["kinds"]
    assert action["other_space"]["base"] == abi.MAX_TBS
    for space, tb in ((0, abi.FIRST_TB), (1, 5), (3, abi.MAX_TBS - 1)):
        v = abi.encode_other_space_tb(space, tb)
        assert v < 0
        assert abi.decode_other_space_tb(v) == (space, tb)
        # the formula abi.json gives JavaScript, evaluated as written
        formula = action["other_space"]["formula"]
        assert eval(formula, {"space": space, "base": abi.MAX_TBS, "tb": tb}) == v


def test_memory_capabilities_are_protocols() -> None:
    mem = anonymous_memory(1 << 16)
    assert isinstance(mem, Discardable) and isinstance(mem, CopiesTo)
    assert not isinstance(mem, ZeroesPages)
    assert not isinstance(mem, GuestDirtyMap)
    mem.guest_dirty = bytearray(4)  # type: ignore[attr-defined]
    assert isinstance(mem, GuestDirtyMap)
