"""A :class:`~chaingraph.report.ChainReport` as JSON: the document and its text.

Private; :mod:`chaingraph.report` calls these with the report object (duck typed).
Keys and finding-kind codes are the same in every language; the tables are encoded
one by one and spliced into the document's text (:func:`json_chunks`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from chaingraph._report_explain import explanations
from chaingraph._report_render import section_title
from chaingraph._report_text import clean, kind_labels
from chaingraph.labels import COLUMNS, SECTIONS, SUMMARY, label
from chaingraph.readwrite.safety import json_columns, json_dumps, json_records

__all__ = ["json_chunks", "json_document", "json_text"]


def _frame_json(frame: pd.DataFrame | None) -> str:
    """Records JSON text of ``frame``: NaN/inf as null, numpy scalars as numbers.

    Built with the json module (:func:`chaingraph.readwrite.safety.json_records`), not
    ``DataFrame.to_json``, whose pandas-3 string path crashed the process when a Ctrl-C
    arrived mid-write. The report's tables are bounded (``rows``), so this is cheap.
    """
    if frame is None or not len(frame):
        return "[]"
    return json_dumps(json_records(frame))


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The records of :func:`_frame_json` as Python data (plain values already: its
    text read back would give the same)."""
    return [] if frame is None else json_records(frame)


class _Raw:
    """A table whose JSON text :func:`json_chunks` encodes when it reaches it."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame

    def encode(self) -> str:
        """Compact records text."""
        return _frame_json(self.frame)

    def indented(self, prefix: str, unit: str) -> str:
        """The records as ``json.dumps(records, indent=unit)`` writes them where the
        line holding the list begins with ``prefix``: the same text, encoded by the
        json module's compiled encoder one column at a time (its pure-Python indented
        encoder took 0.15-0.2 s on a report of 1,000-row tables)."""
        frame = self.frame
        if frame is None or not len(frame):
            return "[]"
        cols, columns = json_columns(frame)
        if not cols or len(set(cols)) < len(cols) or not all(map(_scalars, columns)):
            # no columns, a name twice (one key each record), or lists and dicts
            # inside cells: the json module's own indented encoder
            text = json.dumps(_records(frame), ensure_ascii=False, indent=unit,
                              allow_nan=False)
            return text.replace("\n", "\n" + prefix)
        # "\n" as the item separator: never inside an encoded scalar (json escapes it)
        texts = [json.dumps(values, ensure_ascii=False, separators=("\n", ": "),
                            allow_nan=False)[1:-1].split("\n") for values in columns]
        keys = [json.dumps(c, ensure_ascii=False) + ": " for c in cols]
        inner = prefix + unit + unit
        head, between, tail = prefix + unit + "{\n" + inner, ",\n" + inner, \
            "\n" + prefix + unit + "}"
        records = [head + between.join([k + v for k, v in zip(keys, row, strict=True)])
                   + tail for row in zip(*texts, strict=True)]
        return "[\n" + ",\n".join(records) + "\n" + prefix + "]"


def _scalars(values: list[Any]) -> bool:
    return all(v is None or isinstance(v, (str, int, float)) for v in values)


def _min_cut_items(cut: pd.DataFrame) -> list[Any]:
    """The cut as ``[supplier, buyer]`` pairs (links) and enterprise ids."""
    return [[s, b] if e == "link" else x for e, s, b, x in zip(
        cut["element"], cut["supplier"], cut["buyer"], cut["enterprise"], strict=True)]


def _head(frame: pd.DataFrame | None, rows: int | None, lang: str,
          section: str | None = None, names: Any = None) -> pd.DataFrame | None:
    """The rows of a JSON table: ``kind_label`` beside ``kind``, and the explanation
    in the report's language for a ``section`` that writes one (as in the Markdown,
    HTML and Excel reports; the full tables keep the finders' English)."""
    if frame is None:
        return None
    out = frame if rows is None else frame.head(rows)
    if "kind" in out.columns and len(out):
        at = list(out.columns).index("kind") + 1
        out = out.copy()
        out.insert(at, "kind_label", kind_labels(out["kind"], lang))
    if section is not None and names is not None and "explanation" in out.columns \
            and len(out):
        # the rows the finder explained (explain=: the report's first rows), no more:
        # rows=None on a million-row table writes no million sentences
        given = out["explanation"].notna().to_numpy()
        texts = np.array(out["explanation"].to_numpy(dtype=object), dtype=object)
        texts[given] = explanations(out[given], section, names)
        out = out.assign(explanation=texts)
    return out


def json_document(report: Any, *, raw: bool = False, rows: int | None = None,
                  lang: str = "en") -> dict[str, Any]:
    """The JSON layout: ``key_findings`` first, then the seven historical keys
    (``summary``, ``structure``, ``breakpoints``, ``bottlenecks``, ``leaders``,
    ``candidates``, ``echelon``) and ``labels``. Keys and codes never change with the
    language; ``kind_label`` sits beside each ``kind``, and the explanations of the
    sections that write one are in ``lang``. Tables hold their first
    ``rows`` rows (all when None); ``summary["table_rows"]`` gives each total.

    With ``raw=True`` the tables are left as encoded text (:class:`_Raw`) for
    :func:`json_text` to splice in, instead of being decoded into Python objects.
    """
    names = report.names(lang)

    def records(frame: pd.DataFrame | None, section: str | None = None) -> Any:
        frame = _head(frame, rows, lang, section, names)
        return _Raw(frame) if raw else _records(frame)

    flow = report.flow
    cut = flow.min_cut if flow is not None else None
    min_cut: Any = []
    if cut is not None:
        items = _min_cut_items(cut if rows is None else cut.head(rows))
        min_cut = clean(items)
    summary = clean(report.summary)
    summary["meta"] = clean(report.chain.meta) if report.chain is not None else {}
    summary["lang"] = lang
    summary["row_limit"] = rows
    summary["table_rows"] = {name: len(frame) for name, frame in report.full_tables(
        ).items()}
    findings = report.key_findings_in(lang)
    return {
        "key_findings": clean(findings.to_dict("records")),
        "summary": summary,
        "structure": {"enterprises": records(report.structure, "structure"),
                      "coverage": records(report.coverage, "coverage")},
        "breakpoints": records(report.breakpoints, "breakpoints"),
        "bottlenecks": {
            "max_flow": None if flow is None else clean(float(flow.value)),
            "min_cut": min_cut,
            "min_cut_elements": [] if flow is None else records(cut),
            "min_cut_pairs": records(report.min_cut_pairs()),
            "findings": records(report.bottlenecks, "bottlenecks"),
            "concentration": records(report.concentration, "concentration"),
            "outside_dependence": records(report.outside_dependence,
                                          "outside_dependence"),
            "throughput": records(report.throughput, "throughput")},
        "leaders": records(report.leaders, "leaders"),
        "candidates": records(report.candidates, "candidates"),
        "echelon": records(report.echelon, "echelon"),
        "labels": {"lang": lang,
                   "sections": {s: section_title(s, lang)[0] for s in SECTIONS},
                   "columns": {c: label("columns", c, lang) for c in COLUMNS},
                   "summary": {k: label("summary", k, lang) for k in SUMMARY}},
    }


def json_chunks(report: Any, *, rows: int | None = None, lang: str = "en",
                indent: int | str | None = None) -> Iterator[str]:
    """JSON text of the report, piece by piece: compact, or as ``json.dumps`` with
    ``indent`` writes it.

    Each table is encoded when its turn comes and spliced into the document, instead
    of being decoded into Python objects and re-encoded: the same text as
    ``json.dumps(json_document(report), indent=indent)``, several times faster, and
    only one table's text in memory at a time.
    """
    tables: list[_Raw] = []
    token = f"\x00chaingraph-raw-{uuid.uuid4().hex}\x00"
    unit = " " * indent if isinstance(indent, int) else indent

    def placeholder(value: Any) -> Any:
        if isinstance(value, _Raw):
            tables.append(value)
            return token
        if isinstance(value, dict):
            return {k: placeholder(v) for k, v in value.items()}
        return value

    skeleton = json.dumps(placeholder(json_document(report, raw=True, rows=rows,
                                                    lang=lang)),
                          ensure_ascii=False, allow_nan=False, indent=indent)
    parts = skeleton.split(json.dumps(token))
    yield parts[0]
    for table, before, part in zip(tables, parts[:-1], parts[1:], strict=True):
        if unit is None:
            yield table.encode()
        else:  # the line that holds the table: a key's, indented unit by unit
            yield table.indented(_leading(before[before.rfind("\n") + 1:], unit), unit)
        yield part


def _leading(line: str, unit: str) -> str:
    """The indentation ``line`` begins with: ``unit`` as many times as it repeats."""
    n = 0
    while unit and line.startswith(unit, n * len(unit)):
        n += 1
    return unit * n


def json_text(report: Any, indent: int | str | None, *, rows: int | None = None,
              lang: str = "en") -> str:
    """The report as JSON text (through :func:`json_chunks`)."""
    return "".join(json_chunks(report, rows=rows, lang=lang, indent=indent))
