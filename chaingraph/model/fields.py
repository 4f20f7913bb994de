"""Attribute names of the chain data model, and the constants that go with them.

Every analysis spells a column through these constants (``SEGMENT``, ``REGION``, ...).
A result table's ``enterprise`` column holds the chain's enterprise id (the ``ID``
column of :attr:`Chain.enterprises`).
"""

from __future__ import annotations

__all__ = [
    "BUYER", "CAPACITY", "DEFAULT_META", "DOWNSTREAM", "ENTERPRISE_AMOUNTS",
    "ENTERPRISE_FIELDS", "FOREIGN_REGIONS", "ID", "LINK_AMOUNTS", "LINK_FIELDS",
    "META_KEYS", "MIDSTREAM", "NAME", "OUTPUT", "OUTSIDE_REGION", "PRODUCT", "REGION",
    "SEGMENT", "STAGE", "STAGES", "SUPPLIER", "UPSTREAM", "VOLUME",
]

# --- attribute names -----------------------------------------------------------------
ID = "id"
NAME = "name"
SEGMENT = "segment"
REGION = "region"
OUTPUT = "output"
CAPACITY = "capacity"
SUPPLIER = "supplier"
BUYER = "buyer"
VOLUME = "volume"
PRODUCT = "product"
#: Optional enterprise column naming the stage; it wins over the template's stage.
STAGE = "stage"

ENTERPRISE_FIELDS = (ID, NAME, SEGMENT, REGION, OUTPUT, CAPACITY)
LINK_FIELDS = (SUPPLIER, BUYER, VOLUME, CAPACITY, PRODUCT)
ENTERPRISE_AMOUNTS = (OUTPUT, CAPACITY)
LINK_AMOUNTS = (VOLUME, CAPACITY)

UPSTREAM, MIDSTREAM, DOWNSTREAM = "upstream", "midstream", "downstream"
STAGES = (UPSTREAM, MIDSTREAM, DOWNSTREAM)

#: Region given to enterprises that a loader adds because links name them
#: (``unknown="add"``): they sit outside every focal region.
OUTSIDE_REGION = "outside"
#: Region names that mean "abroad" for outside-dependence analyses.
FOREIGN_REGIONS = frozenset(
    {"abroad", "foreign", "overseas", "境外", "国外", "海外", "国际"}
)
#: Metadata keys that travel with a chain.
META_KEYS = ("name", "unit", "currency", "year", "source")
DEFAULT_META = {"unit": "yuan", "currency": "CNY"}

