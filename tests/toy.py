"""The hand-checked toy district shared by the structure and breakpoint tests."""

from __future__ import annotations

import pandas as pd

import chaingraph as cg


def toy_template() -> cg.SegmentTemplate:
    """Five segments: ore -> salt -> cell -> car, ore -> cell, motor -> car."""
    return cg.SegmentTemplate.from_dict({
        "id": "toy",
        "segments": [
            {"id": "ore", "name_zh": "矿石", "stage": "upstream"},
            {"id": "salt", "name_zh": "锂盐", "stage": "upstream"},
            {"id": "cell", "name_zh": "电芯", "stage": "midstream"},
            {"id": "motor", "name_zh": "电机", "stage": "midstream"},
            {"id": "car", "name_zh": "整车", "stage": "downstream"}],
        "edges": [["ore", "salt"], ["salt", "cell"], ["ore", "cell"], ["cell", "car"],
                  ["motor", "car"]]})


def toy_chain(*, volumes: bool = False) -> cg.Chain:
    """Hand-checked district chain (focal region 本区); link volumes 1..7 if asked."""
    ent = pd.DataFrame({
        "id": ["o1", "s1", "c1", "c2", "car1", "m1", "ext_s", "ext_o"],
        "name": ["矿业", "锂盐厂", "电芯一", "电芯二", "整车厂", "电机厂", "外省锂盐", "外省矿"],
        "segment": ["ore", "salt", "cell", "cell", "car", "motor", "salt", "ore"],
        "region": ["本区"] * 5 + ["外省"] * 3})
    links = pd.DataFrame({
        "supplier": ["o1", "s1", "ext_s", "c1", "c2", "m1", "ext_o"],
        "buyer": ["s1", "c1", "c2", "car1", "car1", "car1", "c2"]})
    if volumes:
        links["volume"] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    return cg.Chain.from_frames(ent, links, template=toy_template())
