"""The bundled example input-output table (a synthetic 6-sector provincial table)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from chaingraph.iotable import IOTable

__all__ = ["example_io_table_path", "load_example_io_table"]

_FILE = "example_io_table.csv"


def example_io_table_path() -> Path:
    """Path of the example input-output table, a CSV in a published layout.

    A **synthetic** table of an invented province (某省, 2020, 亿元; every number is
    invented): a title row and a unit row, six sectors with Chinese labels (农业,
    采矿业, 制造业, 电力热力, 建筑业, 服务业), the subtotal column 中间使用合计,
    five final-demand columns (居民消费, 政府消费, 资本形成总额, 出口, 进口 as
    negative numbers), 最终使用合计, 总产出, four primary-input rows, subtotal rows
    and 总投入, and a note row. Licence: CC0, like the rest of the package data.

    Examples
    --------
    >>> cg.datasets.example_io_table_path().name
    'example_io_table.csv'
    """
    return Path(str(resources.files("chaingraph.datasets").joinpath("data", _FILE)))


def load_example_io_table() -> IOTable:
    """The example input-output table, read with :func:`cg.read_io_table`.

    Returns
    -------
    IOTable
        6 sectors, 5 final-demand columns, 4 primary-input rows; unit 亿元.

    Examples
    --------
    >>> t = cg.datasets.load_example_io_table()
    >>> t, t.meta["unit"]
    (<IOTable: 6 sectors, 5 final-demand columns>, '亿元')
    """
    from chaingraph.readwrite.iotables import read_io_table

    table = read_io_table(example_io_table_path())
    table.meta.update({"name": "某省2020年投入产出表（示例）", "unit": "亿元",
                       "year": 2020, "source": "chaingraph example (synthetic)"})
    return table
