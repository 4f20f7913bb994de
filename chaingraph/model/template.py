"""Segment templates: the reference chain of an industry (segments, stages, edges)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import networkx as nx
import pandas as pd

from chaingraph.exceptions import TemplateError
from chaingraph.model.fields import STAGES
from chaingraph.model.validation import present_items

__all__ = ["SegmentTemplate", "condensed_levels"]


class SegmentTemplate:
    """The reference chain of an industry: segments and segment-to-segment supply edges.

    Parameters
    ----------
    segments : DataFrame
        Columns ``id``, ``name_zh``, ``name_en``, ``stage`` (upstream / midstream /
        downstream), optional ``description``.
    edges : DataFrame
        Columns ``supplier`` and ``buyer`` (segment ids), optional ``essential``
        (bool, default True: the buyer segment cannot produce without this input).
    meta : dict, optional
        ``id``, ``name_zh``, ``name_en``, ``basis`` (what the structure is based on),
        ``description``, ``version``.

    Examples
    --------
    >>> tpl = cg.SegmentTemplate.from_dict({
    ...     "id": "toy", "segments": [
    ...         {"id": "ore", "name_zh": "矿石", "name_en": "Ore", "stage": "upstream"},
    ...         {"id": "car", "name_zh": "整车", "name_en": "Car", "stage": "downstream"}],
    ...     "edges": [["ore", "car"]]})
    >>> tpl
    <SegmentTemplate 'toy': 2 segments, 1 edges>
    >>> tpl.resolve("整车"), tpl.stage_of("ore")
    ('car', 'upstream')
    """

    def __init__(self, segments: pd.DataFrame, edges: pd.DataFrame,
                 meta: Mapping[str, Any] | None = None) -> None:
        self.meta = dict(meta or {})
        self.segments, self.edges = _validate_template(segments, edges, self.meta)
        labels: dict[str, str] = {}
        synonyms = self.meta.get("synonyms") or {}
        for row in self.segments.itertuples(index=False):
            for label in (row.id, row.name_zh, row.name_en, *synonyms.get(row.id, ())):
                if isinstance(label, str) and label:
                    labels.setdefault(_norm_label(label), row.id)
        self._labels = labels

    @property
    def name(self) -> str:
        """Template id (e.g. ``"nev"``)."""
        return str(self.meta.get("id", "template"))

    @property
    def segment_ids(self) -> list[str]:
        """Segment ids in template order."""
        return self.segments["id"].tolist()

    def __repr__(self) -> str:
        return (f"<SegmentTemplate {self.name!r}: {len(self.segments)} segments, "
                f"{len(self.edges)} edges>")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SegmentTemplate:
        """Build a template from a dict (the parsed YAML/JSON layout).

        The layout is ``{"id", "name_zh", "name_en", "basis", "segments": [{"id",
        "name_zh", "name_en", "stage"}, ...], "edges": [[supplier, buyer], ...] or
        [{"supplier", "buyer", "essential"}, ...]}``.
        """
        if not isinstance(data, Mapping) or "segments" not in data:
            raise TemplateError("a template needs a 'segments' list (and an 'edges' list)")
        segments = pd.DataFrame(list(data["segments"]))
        rows = []
        for edge in data.get("edges", []) or []:
            if isinstance(edge, Mapping):
                rows.append(dict(edge))
            elif isinstance(edge, (list, tuple)) and len(edge) in (2, 3):
                row = {"supplier": edge[0], "buyer": edge[1]}
                if len(edge) == 3:
                    row["essential"] = edge[2]
                rows.append(row)
            else:
                raise TemplateError(f"template edge {edge!r} is not [supplier, buyer]")
        edges = pd.DataFrame(rows, columns=None if rows else ["supplier", "buyer"])
        meta = {k: v for k, v in data.items() if k not in ("segments", "edges")}
        return cls(segments, edges, meta)

    def to_dict(self) -> dict[str, Any]:
        """The template as a plain dict (inverse of :meth:`from_dict`)."""
        segments = [present_items(row.items()) for row in self.segments.to_dict("records")]
        edges = [present_items(row.items()) for row in self.edges.to_dict("records")]
        return {**self.meta, "segments": segments, "edges": edges}

    def to_networkx(self) -> nx.DiGraph:
        """Segment graph: nodes are segment ids with their attributes."""
        G = nx.DiGraph(**self.meta)
        for row in self.segments.to_dict("records"):
            G.add_node(row["id"], **present_items((k, v) for k, v in row.items() if k != "id"))
        for row in self.edges.to_dict("records"):
            G.add_edge(row["supplier"], row["buyer"],
                       **present_items((k, v) for k, v in row.items()
                                  if k not in ("supplier", "buyer")))
        return G

    def resolve(self, label: Any) -> str | None:
        """Template segment id for an id, Chinese or English name or synonym (else None).

        Matching ignores case, full/half width, spaces, ``_``/``-`` and brackets
        (``显示驱动芯片（DDIC）`` finds 显示驱动芯片). Synonyms are the template's
        ``synonyms`` mapping (segment id -> other spellings, e.g. ``模组``, ``FPC``).
        """
        if not isinstance(label, str):
            return None
        found = self._labels.get(_norm_label(label))
        if found is None and _BRACKETED.search(label):
            found = self._labels.get(_norm_label(_BRACKETED.sub("", label)))
        return found

    def suggest(self, label: Any) -> str | None:
        """Chinese name of the segment a misspelled label most likely means (or None).

        Examples
        --------
        >>> cg.load_template("electronic_display").suggest("驱动晶片")
        '显示驱动芯片'
        """
        import difflib

        key = _norm_label(str(label))
        best = difflib.get_close_matches(key, list(self._labels), n=1, cutoff=0.6)
        if not best:
            best = [k for k in self._labels if key and (key in k or k in key)][:1]
        if not best:
            return None
        return self.names_zh[self._labels[best[0]]]

    def stage_of(self, segment: str) -> str | None:
        """Stage of a segment (id or name), or None when it is not in the template."""
        sid = self.resolve(segment)
        if sid is None:
            return None
        return str(self.segments.loc[self.segments["id"] == sid, "stage"].iat[0])

    @cached_property
    def label_key(self) -> tuple[tuple[str, str], ...]:
        """The label -> segment id mapping as a hashable key (equal for equal labels)."""
        return tuple(sorted(self._labels.items()))

    @cached_property
    def names_zh(self) -> dict[str, str]:
        """Segment id -> Chinese name (the id when the name is blank)."""
        return {sid: (zh if isinstance(zh, str) and zh else sid) for sid, zh in zip(
            self.segments["id"], self.segments["name_zh"], strict=True)}

    @cached_property
    def depth(self) -> dict[str, int]:
        """Position of each segment along the template: longest path from a root.

        Cycles in the template (recycling loops) are condensed first.
        """
        return condensed_levels(self.to_networkx())


_BRACKETED = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]")


def _norm_label(label: str) -> str:
    """Label as matched: width, case, spaces, ``_``, ``-`` and brackets ignored."""
    text = unicodedata.normalize("NFKC", label).lower()
    return re.sub(r"[\s_\-()\[\]【】（）]+", "", text)


def _validate_template(segments: pd.DataFrame, edges: pd.DataFrame,
                       meta: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    name = meta.get("id", "template")
    problems = []
    segments = segments.copy()
    edges = edges.copy()
    for col in ("id", "stage"):
        if col not in segments.columns:
            raise TemplateError(f"template {name!r}: segments need an {col!r} column")
    for col in ("name_zh", "name_en"):
        if col not in segments.columns:
            segments[col] = segments["id"]
    segments["id"] = segments["id"].astype(str)
    dup = segments["id"][segments["id"].duplicated()].tolist()
    if dup:
        problems.append(f"duplicate segment ids {dup}")
    bad_stage = segments.loc[~segments["stage"].isin(STAGES), "id"].tolist()
    if bad_stage:
        problems.append(f"segments {bad_stage} have a stage not in {STAGES}")
    for col in ("supplier", "buyer"):
        if col not in edges.columns:
            raise TemplateError(f"template {name!r}: edges need a {col!r} column")
        edges[col] = edges[col].astype(str)
    known = set(segments["id"])
    for row in edges.itertuples(index=False):
        for end in (row.supplier, row.buyer):
            if end not in known:
                problems.append(f"edge {row.supplier} -> {row.buyer} names unknown "
                                f"segment {end!r}")
        if row.supplier == row.buyer:
            problems.append(f"edge {row.supplier} -> {row.buyer} is a self-loop")
    if edges.duplicated(["supplier", "buyer"]).any():
        problems.append("duplicate edges")
    if "essential" not in edges.columns:
        edges["essential"] = True
    edges["essential"] = edges["essential"].fillna(True).astype(bool)
    if problems:
        raise TemplateError(f"template {name!r}: " + "; ".join(problems))
    return segments.reset_index(drop=True), edges.reset_index(drop=True)


def condensed_levels(G: nx.DiGraph, /, *, count_members: bool = False) -> dict[Any, int]:
    """Longest path from a root to each node of a graph whose cycles are condensed.

    Every strongly connected component (a cycle, e.g. a recycling loop) is one step,
    shared by all its members. With ``count_members=False`` a step counts 1 and roots
    are at level 0 (the depth of a segment in its template); with ``True`` a step
    counts its members, so a node's level is the number of nodes on the longest path
    ending at its component (a chain length).

    Examples
    --------
    >>> G = nx.DiGraph([("ore", "cell"), ("cell", "car"), ("car", "cell")])
    >>> condensed_levels(G)
    {'ore': 0, 'cell': 1, 'car': 1}
    >>> condensed_levels(G, count_members=True)
    {'ore': 1, 'cell': 3, 'car': 3}
    """
    C = nx.condensation(G)
    level: dict[int, int] = {}
    for c in nx.topological_sort(C):
        size = len(C.nodes[c]["members"]) if count_members else 1
        level[c] = max((level[p] + size for p in C.predecessors(c)),
                       default=size if count_members else 0)
    mapping = C.graph["mapping"]
    return {node: level[mapping[node]] for node in G}
