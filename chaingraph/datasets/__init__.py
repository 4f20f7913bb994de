"""Built-in segment templates, an embedded example chain and a chain generator.

* :func:`load_template`, :func:`list_templates`: reference chains of industries
  (新能源汽车, 化妆品, 电子信息与新型显示, ...), simplified structures compiled from
  public industry descriptions.
* :func:`load_example`: a small, clearly synthetic district chain on the ``nev``
  template with designed weaknesses for the diagnosis to find.
* :func:`generate_chain`: seeded, realistic synthetic supply networks from ten to
  millions of enterprises.
"""

from __future__ import annotations

from chaingraph.datasets._example_regions import (
    example_regions_geojson,
    load_example_regions,
)
from chaingraph.datasets._generator import (
    DEFAULT_REGIONS,
    ChainArrays,
    generate_chain,
    generate_chain_arrays,
)
from chaingraph.datasets._iotables import example_io_table_path, load_example_io_table
from chaingraph.datasets._loaders import (
    as_template,
    example_template,
    list_templates,
    load_example,
    load_template,
)
from chaingraph.datasets._portfolio import load_example_portfolio

__all__ = [
    "DEFAULT_REGIONS",
    "ChainArrays",
    "as_template",
    "example_io_table_path",
    "example_regions_geojson",
    "example_template",
    "generate_chain",
    "generate_chain_arrays",
    "list_templates",
    "load_example",
    "load_example_io_table",
    "load_example_portfolio",
    "load_example_regions",
    "load_template",
]
