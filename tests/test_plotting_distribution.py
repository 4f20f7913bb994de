"""Distribution maps: the heat map shows the region x segment counts; the geographic view."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pytest

import chaingraph as cg
from chaingraph.algorithms.regions import region_context


@pytest.fixture(scope="module")
def example():
    return cg.datasets.load_example_regions()


def test_heat_map_cells_are_the_counts(example):
    ctx = region_context(example, template="nev", level="city")
    ax = cg.plotting.plot_distribution(ctx)
    image = ax.images[0].get_array()
    shown = np.where(np.ma.getmaskarray(image), 0, np.ma.filled(image, 0))
    expected = example.enterprises.groupby(["city", "segment"]).size()
    r = ctx.regions.labels.index("潮岭市")
    s = ctx.segments.index("body_chassis")
    assert shown[r, s] == expected["潮岭市", "body_chassis"]
    assert np.nansum(shown) == (ctx.segment_codes >= 0).sum()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "电池包" in labels or any("电池" in t for t in labels)
    output = cg.plotting.plot_distribution(ctx, value="output", annotate=False)
    assert output.images[0].get_array().max() > 0
    with pytest.raises(ValueError, match="value"):
        cg.plotting.plot_distribution(ctx, value="area")
    plt.close("all")


def test_geography(example):
    _, ax = plt.subplots()
    geo = cg.datasets.example_regions_geojson()
    returned = cg.plotting.plot_geography(example, geojson=geo, level="city", ax=ax)
    assert returned is ax
    assert len(ax.patches) == len(geo["features"])
    assert len(ax.collections) == 4  # one scatter per city with coordinates
    only_shapes = cg.as_chain(nx.DiGraph([("a", "b")]))
    ax2 = cg.plotting.plot_geography(only_shapes, geojson=geo)
    assert len(ax2.collections) == 0
    with pytest.raises(ValueError, match="nothing to draw"):
        cg.plotting.plot_geography(only_shapes)
    plt.close("all")
