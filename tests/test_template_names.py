"""Every analysis that takes ``template=`` accepts a built-in name as well as an object."""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

import chaingraph as cg

EXTRA: dict[str, tuple] = {}
KEYWORDS = {
    "simulate_shock": {},
    "systemic_risk": {"enterprises": ["E0027", "E0002"]},
    "find_systemic_risk": {"enterprises": ["E0027", "E0002"]},
    "compare_chains": {},
    "find_target_enterprises": {"segment": "lithium_resources"},
    "simulate_transfer": {"move": ["E0001"], "to": "东湾省其他市"},
    "plan_transfer": {"candidates": ["E0001", "E0002"],
                      "destinations": {"东湾省其他市": 1e10}},
}


def _analyses():
    for name in sorted(cg.__all__):
        func = getattr(cg, name)
        if not inspect.isfunction(func) or name in ("generate_chain", "read_chain"):
            continue
        params = list(inspect.signature(func).parameters.values())
        if params and params[0].name == "G" and any(p.name == "template" for p in params):
            yield name


@pytest.mark.parametrize("name", list(_analyses()))
def test_template_by_name_equals_template_object(name):
    func = getattr(cg, name)
    chain = cg.load_example()
    params = inspect.signature(func).parameters
    positional = list(params)[1] == "template" and \
        params["template"].kind is inspect.Parameter.POSITIONAL_ONLY
    args = [chain]
    if name == "simulate_shock":
        args.append({"stage": "upstream"})
    if name == "compare_chains":
        args.append(chain)

    def call(template):
        kw = dict(KEYWORDS.get(name, {}))
        extra = EXTRA.get(name, ())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cg.ChainDataWarning)
            if positional:
                return func(*args, template, *extra, **kw)
            return func(*args, *extra, template=template, **kw)

    by_name, by_object = call("nev"), call(cg.load_template("nev"))
    if isinstance(by_name, pd.DataFrame):
        pd.testing.assert_frame_equal(by_name, by_object)
    elif isinstance(by_name, dict):
        assert by_name.keys() == by_object.keys()
    else:
        assert type(by_name) is type(by_object)
