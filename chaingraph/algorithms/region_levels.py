"""Regions as a hierarchy: province / city / district / park, and the buckets.

The enterprise table may give where an enterprise sits in three ways:

* one ``region`` column with plain names (``"花都区"``): one level;
* one ``region`` column with paths, parts separated by ``/`` (``"广东省/广州市/花都区"``);
* several columns, coarse to fine: any of ``province``, ``city``, ``district``,
  ``park`` (:data:`LEVELS`).

:func:`region_index` reads whichever is there once and labels every enterprise with
its region at the requested ``level``. Enterprises abroad, outside the home province,
or without a region are put in their own **buckets** (:data:`ABROAD`,
:data:`OUTSIDE`, :data:`UNKNOWN`): regional analyses report them and never rank them
as regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.model import FOREIGN_REGIONS, OUTSIDE_REGION, REGION, Chain, as_chain

__all__ = [
    "ABROAD",
    "BUCKETS",
    "LEVELS",
    "OUTSIDE",
    "OUTSIDE_NAMES",
    "UNKNOWN",
    "RegionIndex",
    "region_index",
]

#: Hierarchy levels, coarse to fine, and the enterprise columns that may hold them.
LEVELS = ("province", "city", "district", "park")
#: Bucket of enterprises abroad (any path part in ``FOREIGN_REGIONS``).
ABROAD = "境外"
#: Bucket of enterprises elsewhere in the country (outside the home province).
OUTSIDE = "省外"
#: Bucket of enterprises without a region.
UNKNOWN = "未知"
BUCKETS = (ABROAD, OUTSIDE, UNKNOWN)
#: Region names read as "elsewhere in the country" (the :data:`OUTSIDE` bucket).
OUTSIDE_NAMES = frozenset({OUTSIDE, OUTSIDE_REGION, "外省", "国内其他省份", "国内其他",
                           "other provinces", "rest of country"})
_KIND = {ABROAD: "abroad", OUTSIDE: "outside", UNKNOWN: "unknown"}


@dataclass(frozen=True)
class RegionIndex:
    """Every enterprise's region at one level, and what each region label means.

    Attributes
    ----------
    codes : numpy.ndarray of int64
        Region code of each enterprise (position in ``labels``), in chain order.
    labels : list of str
        Region labels; buckets use the names in :data:`BUCKETS`.
    kinds : list of str
        ``"region"``, ``"abroad"``, ``"outside"`` or ``"unknown"``, per label.
    paths : list of tuple of str
        Full path of each label (empty for buckets).
    level : str
        The level grouped by (``"region"`` for a single plain column).
    depth : int
        Number of path parts kept at that level.
    places : dict
        Every distinct path prefix in the chain (any depth) -> its parts; used to
        resolve destinations such as a park below the grouping level.
    columns : tuple of str
        The enterprise columns read (``("region",)`` or some of :data:`LEVELS`).
    raw_codes, raw_paths
        Each enterprise's full path (before cutting at the level): its code into
        ``raw_paths``; see :meth:`path_of`.
    """

    codes: np.ndarray
    labels: list[str]
    kinds: list[str]
    paths: list[tuple[str, ...]]
    level: str
    depth: int
    places: dict[str, tuple[str, ...]]
    columns: tuple[str, ...]
    raw_codes: np.ndarray
    raw_paths: list[tuple[str, ...]]

    def path_of(self, enterprise: int) -> tuple[str, ...]:
        """Full path of the enterprise at integer code ``enterprise`` (any depth)."""
        return self.raw_paths[int(self.raw_codes[enterprise])]

    @property
    def ranked(self) -> np.ndarray:
        """Mask over ``labels``: True for real regions, False for buckets."""
        return np.array([k == "region" for k in self.kinds], dtype=bool)

    def mask(self, label: str) -> np.ndarray:
        """Enterprises in region ``label`` (a label, or a full path)."""
        return self.codes == self.code(label)

    def code(self, label: str) -> int:
        """Code of a region label or path; ``ValueError`` naming it when unknown."""
        if label in self.labels:
            return self.labels.index(label)
        for k, path in enumerate(self.paths):
            if path and "/".join(path) == label:
                return k
        shown = ", ".join(self.labels[:12])
        raise ValueError(f"region {label!r} is not in the chain at level {self.level!r} "
                         f"(regions: {shown}{', ...' if len(self.labels) > 12 else ''})")

    def place(self, name: str) -> tuple[str, ...]:
        """Full path of a place (a region at any depth: city, district, park).

        ``name`` is a full path (``"东湾省/潮岭市"``) or a last part that names one
        place only (``"潮岭市"``). Raises ``ValueError`` naming it otherwise.
        """
        name = str(name).strip()
        if name in self.places:
            return self.places[name]
        found = {p for p in self.places.values() if p and p[-1] == name}
        if len(found) == 1:
            return found.pop()
        if found:
            raise ValueError(f"place {name!r} is ambiguous: give the full path, one of "
                             f"{sorted('/'.join(p) for p in found)}")
        raise ValueError(f"place {name!r} is not in the chain (no enterprise's region "
                         "path contains it)")

    def label_of(self, path: tuple[str, ...]) -> str:
        """Region label (at this index's level) of a full path."""
        cut = path[:self.depth]
        for k, p in enumerate(self.paths):
            if p == cut:
                return self.labels[k]
        return _short_labels([cut])[0]


def _raw_paths(chain: Chain, columns: Sequence[str] | None
               ) -> tuple[np.ndarray, list[tuple[str, ...]], tuple[str, ...]]:
    """(code per enterprise, distinct paths, columns read), one factorize per column."""
    if columns is None:
        present = [c for c in LEVELS if _has_values(chain, c)]
    else:
        present = list(columns)
    if not present:
        present = [REGION]
    frames = []
    for col in present:
        values = chain.column(col, default=None).astype(object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        parts = [_parts(u) for u in uniques]
        frames.append((codes, parts))
    if len(frames) == 1:
        codes, parts = frames[0]
        paths = [*parts, ()]  # code -1 (blank) -> the last slot
        codes = np.where(codes < 0, len(parts), codes)
        return codes.astype(np.int64), paths, tuple(present)
    stacked = np.stack([c for c, _ in frames], axis=1)
    keys, inverse = np.unique(stacked, axis=0, return_inverse=True)
    paths = []
    for row in keys:
        path: list[str] = []
        for (_, parts), code in zip(frames, row.tolist(), strict=True):
            if code < 0 or not parts[code]:
                break
            path.extend(parts[code])
        paths.append(tuple(path))
    return np.asarray(inverse, dtype=np.int64).ravel(), paths, tuple(present)


def _has_values(chain: Chain, column: str) -> bool:
    """Does the enterprise table have ``column`` with at least one value?"""
    return bool(pd.notna(chain.column(column, default=None)).any())


def _parts(value: Any) -> tuple[str, ...]:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ()
    return tuple(p.strip() for p in str(value).split("/") if p.strip())


def _bucket(path: tuple[str, ...], home: str | None) -> str | None:
    if not path:
        return UNKNOWN
    lowered = {p.lower() for p in path}
    if lowered & {f.lower() for f in FOREIGN_REGIONS}:
        return ABROAD
    if lowered & {o.lower() for o in OUTSIDE_NAMES}:
        return OUTSIDE
    if home is not None and path[0] != home:
        return OUTSIDE
    return None


def _short_labels(paths: list[tuple[str, ...]]) -> list[str]:
    """Last part of each path, or the full path where the last part is ambiguous."""
    last: dict[str, set[tuple[str, ...]]] = {}
    for p in paths:
        last.setdefault(p[-1], set()).add(p)
    return ["/".join(p) if len(last[p[-1]]) > 1 else p[-1] for p in paths]


def _resolve_level(level: str | int | None, columns: tuple[str, ...],
                   max_depth: int) -> tuple[str, int]:
    """(level name, path depth) of the ``level=`` argument."""
    if level is None:
        if columns == (REGION,) and max_depth <= 1:
            return "region", 1
        if columns != (REGION,) and 0 < max_depth <= len(columns):
            return columns[max_depth - 1], max_depth
        return f"depth {max_depth}", max(max_depth, 1)
    if isinstance(level, (int, np.integer)) and not isinstance(level, bool):
        if level < 1:
            raise ValueError(f"level must be >= 1 (path depth), got {level}")
        return f"depth {int(level)}", int(level)
    if level in LEVELS:
        if columns == (REGION,):
            return level, LEVELS.index(level) + 1
        if level not in columns:
            raise ValueError(f"level {level!r} is not among the region columns "
                             f"{list(columns)}")
        return level, columns.index(level) + 1
    if level == "region":
        return "region", max(max_depth, 1)
    raise ValueError(f"level must be one of {LEVELS}, 'region' or a depth (int), "
                     f"got {level!r}")


def region_index(G: Chain | Any, /, *, level: str | int | None = None,
                 columns: Sequence[str] | None = None,
                 home: str | None = None) -> RegionIndex:
    """Label every enterprise with its region at one level of the hierarchy.

    Parameters
    ----------
    G : Chain or networkx.DiGraph
        The chain.
    level : {"province", "city", "district", "park"}, int or None
        Which level to group by: a name (paths are read as province / city /
        district / park, coarse to fine), or a path depth (1 = first part).
        Default: the finest level present.
    columns : sequence of str, optional
        Enterprise columns holding the levels, coarse to fine. Default: the
        :data:`LEVELS` columns present, else ``region`` (plain names or paths).
    home : str, optional
        The home province (first path part): enterprises elsewhere go to the
        :data:`OUTSIDE` bucket.

    Returns
    -------
    RegionIndex

    Raises
    ------
    ValueError
        An unknown level.

    Notes
    -----
    An enterprise whose path is shorter than the level keeps its deepest part
    (a delta-city enterprise in no park is labelled with its district when
    grouping by park). Labels are the last path part, or the full path where
    two places share a last part. Buckets: any part in
    :data:`chaingraph.model.FOREIGN_REGIONS` (``境外``, ``abroad``, ...) ->
    :data:`ABROAD`; any part in :data:`OUTSIDE_NAMES` or a first part other than
    ``home`` -> :data:`OUTSIDE`; blank -> :data:`UNKNOWN`. One factorize per
    column, then work per distinct path: O(n + number of paths).

    Examples
    --------
    >>> from chaingraph.algorithms.region_levels import region_index
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "粤/广州市/花都区", "b": "粤/广州市/番禺区",
    ...                            "c": "境外"}, "region")
    >>> idx = region_index(G, level="city")
    >>> [idx.labels[c] for c in idx.codes], idx.kinds
    (['广州市', '广州市', '境外'], ['region', 'abroad'])
    """
    chain = as_chain(G)
    raw_codes, raw_paths, read = _raw_paths(chain, columns)
    max_depth = max((len(p) for p in raw_paths if _bucket(p, home) is None), default=1)
    name, depth = _resolve_level(level, read, max_depth)
    if depth < 1:
        raise ValueError(f"level {level!r} is coarser than every region column")
    places: dict[str, tuple[str, ...]] = {}
    for p in raw_paths:
        if _bucket(p, home) is None:
            for k in range(1, len(p) + 1):
                places.setdefault("/".join(p[:k]), p[:k])
    keys = [_bucket(p, home) or p[:depth] for p in raw_paths]
    used = np.unique(raw_codes).tolist()
    distinct = list(dict.fromkeys(keys[k] for k in used))
    regions = [k for k in distinct if isinstance(k, tuple)]
    short = dict(zip(regions, _short_labels(regions), strict=True))
    order = sorted(regions, key=lambda p: p) + [b for b in BUCKETS if b in distinct]
    position = {k: i for i, k in enumerate(order)}
    mapping = np.array([position.get(k, -1) for k in keys], dtype=np.int64)
    return RegionIndex(
        codes=mapping[raw_codes] if len(raw_codes) else np.zeros(0, dtype=np.int64),
        labels=[short[k] if isinstance(k, tuple) else k for k in order],
        kinds=["region" if isinstance(k, tuple) else _KIND[k] for k in order],
        paths=[k if isinstance(k, tuple) else () for k in order],
        level=name, depth=depth, places=places, columns=read,
        raw_codes=raw_codes, raw_paths=raw_paths)
