"""Echelon ladder: hand-computed totals, rungs, units, targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.algorithms.echelon import find_echelon


def _chain(outputs: dict[str, tuple[str, float]], meta: dict | None = None) -> cg.Chain:
    ent = pd.DataFrame({"id": list(outputs),
                        "region": [r for r, _ in outputs.values()],
                        "output": [o for _, o in outputs.values()]})
    ids = list(outputs)
    lk = pd.DataFrame({"supplier": ids[:-1], "buyer": ids[1:]})
    return cg.Chain.from_frames(ent, lk, meta=meta)


def test_hand_computed_ladder_and_regions():
    chain = _chain({"a": ("区", 6e10), "b": ("区", 5e10), "c": ("外", 2e9),
                    "d": ("外", 5e8)})
    out = find_echelon(chain, region="区", targets={"区": 2e11, "外": 1e9})
    rows = out.set_index("group")
    assert list(out["group"]) == ["区", "外"]  # sorted by score = output / 1e11
    assert len(find_echelon(chain, region="区", top=1)) == 1
    focal = rows.loc["区"]
    assert focal["level"] == "focal" and focal["output"] == pytest.approx(1.1e11)
    assert focal["rung"] == "千亿级" and focal["rung_threshold"] == 1e11
    assert focal["next_rung"] is None and np.isnan(focal["distance_to_next"])
    assert focal["progress"] == pytest.approx(0.55)
    assert focal["gap"] == pytest.approx(9e10)
    assert "top rung reached" in focal["explanation"]
    assert "55% of the target" in focal["explanation"]
    other = rows.loc["外"]
    assert other["output"] == pytest.approx(2.5e9) and other["rung"] == "十亿级"
    assert other["next_rung"] == "百亿级"
    assert other["distance_to_next"] == pytest.approx(7.5e9)
    assert other["progress"] == pytest.approx(2.5) and other["gap"] == 0
    assert "target met" in other["explanation"]


def test_below_the_ladder_and_missing_output():
    ent = pd.DataFrame({"id": ["a", "b"], "output": [1e8, np.nan]})
    lk = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]})
    with pytest.warns(cg.ChainDataWarning):
        chain = cg.Chain.from_frames(ent, lk)
    row = find_echelon(chain).iloc[0]
    assert row["group"] == "whole chain" and row["rung"] == "below 十亿级"
    assert row["n_with_output"] == 1 and row["n_enterprises"] == 2
    assert row["distance_to_next"] == pytest.approx(9e8)
    assert "1 without output data" in row["explanation"]


def test_units_scale_amounts():
    # 50 亿 written in 万元 is 500,000 万元
    chain = _chain({"a": ("区", 3e5), "b": ("区", 2e5)}, meta={"unit": "万元"})
    row = find_echelon(chain).iloc[0]
    assert row["output"] == pytest.approx(5e9) and row["rung"] == "十亿级"
    assert find_echelon(chain, unit="亿元").iloc[0]["output"] == pytest.approx(5e13)
    assert find_echelon(chain, unit=1.0).iloc[0]["output"] == pytest.approx(5e5)
    with pytest.raises(ValueError, match="unknown amount unit"):
        find_echelon(chain, unit="furlongs")


def test_custom_ladder_targets_and_errors():
    chain = _chain({"a": ("区", 30.0), "b": ("区", 20.0)})
    out = find_echelon(chain, thresholds=(10, 100), labels=("small", "big"),
                       targets=80.0)
    row = out.iloc[0]
    assert row["rung"] == "small" and row["next_rung"] == "big"
    assert row["progress"] == pytest.approx(50 / 80)
    with pytest.raises(ValueError, match="one label per threshold"):
        find_echelon(chain, thresholds=(1, 2), labels=("x",))
    with pytest.raises(ValueError, match="positive"):
        find_echelon(chain, thresholds=(-1,), labels=("x",))
    with pytest.raises(ValueError, match="targets"):
        find_echelon(chain, targets={"区": -5})
    with pytest.raises(ValueError, match="no enterprise is in region"):
        find_echelon(chain, region="火星")
    with pytest.warns(cg.ChainDataWarning, match="currency"):
        find_echelon(chain.with_tables(meta={"currency": "USD"}))


@given(st.lists(st.floats(0, 1e12), min_size=1, max_size=8))
def test_rung_is_highest_threshold_below_total(outputs):
    chain = _chain({f"e{i}": ("区", v) for i, v in enumerate(outputs)})
    row = find_echelon(chain, by_region=False).iloc[0]
    total = sum(outputs)
    assert row["output"] == pytest.approx(total)
    expected = next((label for t, label in ((1e11, "千亿级"), (1e10, "百亿级"),
                                            (1e9, "十亿级")) if total >= t),
                    "below 十亿级")
    assert row["rung"] == expected
    if row["next_rung"] is not None:
        assert row["distance_to_next"] > 0


def test_example_focal_district():
    chain = cg.datasets.load_example()
    out = find_echelon(chain, region="明湾示范区")
    focal = out.set_index("group").loc["明湾示范区"]
    expected = chain.enterprises.query("region == '明湾示范区'")["output"].sum()
    assert focal["output"] == pytest.approx(expected)
    # the example's other regions are buckets (境外, 国内其他省份, 东湾省其他市,
    # 澄岚市其他区), not administrative areas: they are not ranked on the ladder
    assert list(out["level"]) == ["focal"]


def test_buckets_are_not_ranked():
    chain = _chain({"a": ("区", 5e10), "b": ("境外", 9e11), "c": ("省外", 2e11),
                    "d": ("未标注", 1e10), "e": ("邻区", 2e10)})
    out = find_echelon(chain, region="区")
    assert list(out["group"]) == ["区", "邻区"]
