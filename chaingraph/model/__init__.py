"""The chain data model: enterprises, supply links, segment templates, resolved context.

* :mod:`~chaingraph.model.fields`: attribute names (``ID``, ``SEGMENT``, ...).
* :mod:`~chaingraph.model.chain`: :class:`Chain`, the columnar chain, and
  :func:`as_chain`.
* :mod:`~chaingraph.model.template`: :class:`SegmentTemplate`, the reference chain of
  an industry (its segments 环节 with their stage, and segment-to-segment edges).
* :mod:`~chaingraph.model.validation`: checks of the two tables.
* :mod:`~chaingraph.model.context`: :func:`resolve`, turning what a user passes
  (chain or graph, template object / name / file, region, sources, final) into one
  :class:`ChainContext`.
"""

from __future__ import annotations

from chaingraph.model.chain import Chain, as_chain
from chaingraph.model.context import ChainContext, resolve
from chaingraph.model.fields import (
    BUYER,
    CAPACITY,
    DEFAULT_META,
    DOWNSTREAM,
    ENTERPRISE_AMOUNTS,
    ENTERPRISE_FIELDS,
    FOREIGN_REGIONS,
    ID,
    LINK_AMOUNTS,
    LINK_FIELDS,
    META_KEYS,
    MIDSTREAM,
    NAME,
    OUTPUT,
    OUTSIDE_REGION,
    PRODUCT,
    REGION,
    SEGMENT,
    STAGE,
    STAGES,
    SUPPLIER,
    UPSTREAM,
    VOLUME,
)
from chaingraph.model.lookup import TemplateLike, as_template
from chaingraph.model.template import SegmentTemplate

__all__ = [
    "BUYER",
    "CAPACITY",
    "DOWNSTREAM",
    "ENTERPRISE_FIELDS",
    "FOREIGN_REGIONS",
    "ID",
    "LINK_FIELDS",
    "MIDSTREAM",
    "NAME",
    "OUTPUT",
    "OUTSIDE_REGION",
    "PRODUCT",
    "REGION",
    "SEGMENT",
    "STAGE",
    "STAGES",
    "SUPPLIER",
    "UPSTREAM",
    "VOLUME",
    "Chain",
    "ChainContext",
    "SegmentTemplate",
    "TemplateLike",
    "as_chain",
    "as_template",
    "resolve",
]
# DEFAULT_META, ENTERPRISE_AMOUNTS, LINK_AMOUNTS and META_KEYS stay importable from here
_ = (DEFAULT_META, ENTERPRISE_AMOUNTS, LINK_AMOUNTS, META_KEYS)
