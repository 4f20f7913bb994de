"""A district's portfolio of chains (链长制): one enterprise pool, many chains.

A :class:`Portfolio` holds ONE :class:`~chaingraph.model.Chain` with every
enterprise and link of the district's chains, and for each chain the integer codes
of its member enterprises. A chain's own view (:meth:`Portfolio.chain`) is built on
demand from those codes: enterprises that sit in several chains (a chip maker
serving the vehicle and the display chains) and the links among them are stored
once. :func:`read_portfolio` reads one from

* one enterprise table with a chain column (``产业链``; an enterprise in several
  chains lists them separated by ``;``, ``；``, ``,``, ``，`` or ``、``) plus one link
  table; or
* a folder with one sub-folder or one file pair (``<链>_enterprises.csv`` /
  ``<链>_links.csv``, ``<链>企业.xlsx`` / ``<链>供应关系.xlsx``) per chain, or a
  workbook with one sheet pair per chain (``<链>企业`` / ``<链>供应关系``),

plus optional chain metadata (a sheet, CSV or YAML with 产业链, 模板, 总链长, 链长,
链主企业, 链长办, 目标产值 and yearly targets such as ``2025目标产值``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chaingraph.exceptions import ChainDataError, Problem
from chaingraph.model import BUYER, ID, NAME, SEGMENT, SUPPLIER, Chain, SegmentTemplate
from chaingraph.readwrite.chain_meta import META_COLUMNS, read_chain_meta, split_chains

__all__ = ["CHAIN_COLUMNS", "META_COLUMNS", "Portfolio", "read_chain_meta", "read_portfolio",
           "split_chains"]

#: Names of the enterprise column that lists each enterprise's chains (first found).
CHAIN_COLUMNS = ("chain", "chains", "产业链", "所属产业链", "所属链条", "链条", "重点产业链")
_PAIR = re.compile(r"^(?P<chain>.+?)[\s_\-]*(?P<role>enterprises|企业|links|"
                   r"(?:供应|配套|采购)?关系)$", re.IGNORECASE)
#: What a chain's name in a pair cannot be: the sheet or file is a plain table name
#: (供应关系 is the links of no chain named 供应).
_NOT_CHAINS = frozenset(("供应", "配套", "采购", "重点", "全部", "所有", "名单"))
_TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xls", ".parquet", ".json")


class Portfolio:
    """A district's chains over one shared enterprise pool.

    Build one with :meth:`from_frames` or :func:`read_portfolio`.

    Parameters
    ----------
    pool : Chain
        Every enterprise and link of every chain, once.
    memberships : sequence of tuple of str
        For each enterprise of ``pool`` (by position), the chains it belongs to
        (empty: an outside supplier or customer in no chain).
    chains : DataFrame, optional
        Chain metadata, one row per chain: ``chain`` plus any of ``template``,
        ``general_chief``, ``chief``, ``leaders``, ``office``, ``target`` and
        ``targets`` (a dict year -> target in yuan).
    segments : sequence of tuple of str, optional
        Per enterprise, one segment per chain in ``memberships`` order, for
        enterprises whose segment differs between chains.
    region : str, optional
        The district (focal region); default ``pool.meta["focal_region"]``.

    Examples
    --------
    >>> P = cg.datasets.load_example_portfolio()
    >>> P
    <Portfolio 明湾示范区 2024: 6 chains, 1199 enterprises, 5090 links>
    >>> P.chains[:2]
    ['新能源汽车', '新型显示']
    >>> P.chain("新能源汽车").n_enterprises
    406
    """

    def __init__(self, pool: Chain, memberships: Sequence[tuple[str, ...]], *,
                 chains: pd.DataFrame | None = None,
                 segments: Sequence[tuple[str, ...] | None] | None = None,
                 region: str | None = None) -> None:
        if len(memberships) != pool.n_enterprises:
            raise ValueError(f"need one membership per enterprise: {len(memberships)} "
                             f"for {pool.n_enterprises} enterprises")
        self._pool = pool
        self._memberships = list(memberships)
        self._segments = list(segments) if segments is not None else None
        names = list(dict.fromkeys(c for chains_ in self._memberships for c in chains_))
        table = _chain_table(chains, names)
        self._table = table
        self._names = table["chain"].tolist()
        codes: dict[str, list[int]] = {name: [] for name in self._names}
        for i, chains_ in enumerate(self._memberships):
            for name in chains_:
                codes[name].append(i)
        self._codes = {k: np.asarray(v, dtype=np.int64) for k, v in codes.items()}
        self._region = region if region is not None else pool.meta.get("focal_region")

    # --- construction -------------------------------------------------------------
    @classmethod
    def from_frames(cls, enterprises: pd.DataFrame, links: pd.DataFrame, *,
                    chains_column: str | None = None, chains: Any = None,
                    templates: Mapping[str, Any] | None = None, region: str | None = None,
                    meta: Mapping[str, Any] | None = None, **kwargs: Any) -> Portfolio:
        """Build a portfolio from one enterprise table with a chain column and links.

        Parameters
        ----------
        enterprises, links : DataFrame
            Tables as for :func:`chaingraph.read_chain` (Chinese headers welcome).
        chains_column : str, optional
            The column naming each enterprise's chains (default: the first of
            :data:`CHAIN_COLUMNS` present).
        chains : DataFrame, dict, path, optional
            Chain metadata (see :func:`read_portfolio`).
        templates : dict, optional
            Chain -> template name or object; overrides the metadata's 模板.
        region : str, optional
            The district (focal region).
        meta : dict, optional
            Metadata of the pool (``name``, ``year``, ``unit``, ...).
        **kwargs
            Passed to :func:`chaingraph.read_chain` (``columns``, ``unknown``, ...).

        Returns
        -------
        Portfolio

        Raises
        ------
        ChainDataError
            No chain column, or a bad metadata value (naming row and column).

        Examples
        --------
        >>> ent = pd.DataFrame({"企业名称": ["甲", "乙", "丙"],
        ...                     "产业链": ["汽车", "汽车；显示", "显示"]})
        >>> lk = pd.DataFrame({"供应商": ["乙", "乙"], "客户": ["甲", "丙"]})
        >>> P = cg.Portfolio.from_frames(ent, lk)
        >>> P.chains, P.members("汽车").tolist()
        (['汽车', '显示'], ['甲', '乙'])
        """
        from chaingraph.readwrite.tables import read_chain

        pool = read_chain(enterprises, links, meta=meta, **kwargs)
        return cls.from_chain(pool, chains_column=chains_column, chains=chains,
                              templates=templates, region=region)

    @classmethod
    def from_chain(cls, pool: Chain, *, chains_column: str | None = None,
                   chains: Any = None, templates: Mapping[str, Any] | None = None,
                   region: str | None = None) -> Portfolio:
        """Build a portfolio from one validated chain whose enterprises name their chains.

        Parameters are those of :meth:`from_frames`; ``pool`` is used as is (not
        copied).

        Examples
        --------
        >>> G = nx.DiGraph([("a", "b")])
        >>> nx.set_node_attributes(G, {"a": "x;y", "b": "y"}, "chain")
        >>> cg.Portfolio.from_chain(cg.as_chain(G)).members("y").tolist()
        ['a', 'b']
        """
        return _from_pool(pool, chains_column, chains, templates, region)

    # --- the parts ----------------------------------------------------------------
    @property
    def pool(self) -> Chain:
        """The whole enterprise pool: every enterprise and link, once."""
        return self._pool

    @property
    def chains(self) -> list[str]:
        """Chain names, in metadata order, then in order of first appearance."""
        return list(self._names)

    @property
    def chain_table(self) -> pd.DataFrame:
        """Chain metadata, one row per chain (``chain``, ``template``, governance)."""
        return self._table.copy()

    @property
    def region(self) -> str | None:
        """The district (focal region), or None for the whole pool."""
        return self._region

    @property
    def year(self) -> Any:
        """The year of the snapshot (``pool.meta["year"]``)."""
        return self._pool.meta.get("year")

    @property
    def memberships(self) -> pd.Series:
        """Each enterprise's chains (a tuple), indexed by enterprise id."""
        return pd.Series(self._memberships, index=self._pool.index, name="chains",
                         dtype=object)

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._codes

    def __repr__(self) -> str:
        label = " ".join(str(x) for x in (self._region, self.year) if x is not None)
        label = f" {label}" if label else ""
        return (f"<Portfolio{label}: {len(self)} chains, {self._pool.n_enterprises} "
                f"enterprises, {self._pool.n_links} links>")

    def codes(self, name: str) -> np.ndarray:
        """Integer positions (in :attr:`pool`) of the chain's member enterprises."""
        return self._codes[self._check(name)].copy()

    def members(self, name: str) -> np.ndarray:
        """Ids of the chain's member enterprises."""
        return self._pool.ids[self._codes[self._check(name)]]

    def template(self, name: str) -> SegmentTemplate | None:
        """The chain's segment template (metadata 模板), or None."""
        value = self._table.set_index("chain").at[self._check(name), "template"]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        from chaingraph.model.lookup import as_template

        return as_template(value)

    def view_codes(self, name: str) -> np.ndarray:
        """Codes of the chain's view: members plus the enterprises in NO chain that
        trade with them (outside suppliers and customers), sorted."""
        members = self._codes[self._check(name)]
        inside = np.zeros(self._pool.n_enterprises, dtype=bool)
        inside[members] = True
        free = np.array([not c for c in self._memberships], dtype=bool)
        src, dst = self._pool.link_codes
        touch = np.zeros_like(inside)
        touch[dst[inside[src] & free[dst]]] = True
        touch[src[inside[dst] & free[src]]] = True
        return np.flatnonzero(inside | touch)

    def chain(self, name: str) -> Chain:
        """The chain's own view as a :class:`Chain` (built on demand).

        Members plus the outside suppliers and customers in no chain
        (:meth:`view_codes`), and the links among them; segments are this chain's
        (per-chain segments, mapped to the template's ids when it has one); the
        metadata names the chain, its template and the district.
        """
        keep = self.view_codes(name)
        mask = np.zeros(self._pool.n_enterprises, dtype=bool)
        mask[keep] = True
        src, dst = self._pool.link_codes
        enterprises = self._pool._enterprises.iloc[keep]
        template = self.template(name)
        segments = self._segments_in(name, keep, template)
        if segments is not None:
            enterprises = enterprises.assign(**{SEGMENT: segments})
        meta = {**self._pool.meta, "name": name, "chain": name,
                "template": template.name if template is not None else None,
                "focal_region": self._region}
        return Chain(enterprises, self._pool._links[mask[src] & mask[dst]], meta)

    # --- helpers ------------------------------------------------------------------
    def _check(self, name: str) -> str:
        if name not in self._codes:
            raise KeyError(f"no chain {name!r} in the portfolio (chains: "
                           f"{', '.join(self._names)})")
        return name

    def _segments_in(self, name: str, keep: np.ndarray,
                     template: SegmentTemplate | None) -> np.ndarray | None:
        if SEGMENT not in self._pool._enterprises.columns:
            return None
        values = self._pool.column(SEGMENT, default=None)[keep].astype(object)
        if self._segments is not None:
            for j, i in enumerate(keep):
                own = self._segments[i]
                if own and name in self._memberships[i]:
                    values[j] = own[self._memberships[i].index(name)]
        if template is None:
            return values if self._segments is not None else None
        return np.array([template.resolve(v) or v if isinstance(v, str) else v
                         for v in values], dtype=object)


def _from_pool(pool: Chain, chains_column: str | None, chains: Any,
               templates: Mapping[str, Any] | None, region: str | None,
               file: str = "enterprises") -> Portfolio:
    columns = list(pool._enterprises.columns)
    column = chains_column or next((c for c in CHAIN_COLUMNS if c in columns), None)
    if column is None or column not in columns:
        raise ChainDataError(Problem(
            f"no chain column (expected one of {', '.join(CHAIN_COLUMNS)}; found: "
            f"{', '.join(map(str, columns))}); pass chains_column=", file, None,
            chains_column))
    memberships = [split_chains(v) for v in pool._enterprises[column]]
    segments = None
    if SEGMENT in columns:
        split = [split_chains(v) if isinstance(v, str) else () for v in
                 pool._enterprises[SEGMENT]]
        aligned = [s if len(s) > 1 and len(s) == len(m) else None
                   for s, m in zip(split, memberships, strict=True)]
        if any(a is not None for a in aligned):
            segments = aligned
    if isinstance(chains, pd.DataFrame) and "targets" in chains.columns:
        table = chains  # already read by read_chain_meta
    else:
        table = read_chain_meta(chains) if chains is not None else None
    if templates:
        table = _chain_table(table, list(dict.fromkeys(
            c for m in memberships for c in m)))
        for name, value in templates.items():
            if name not in set(table["chain"]):
                raise ChainDataError(Problem(f"templates name chain {name!r}, which no "
                                             "enterprise is in", file, None, column))
            table.loc[table["chain"] == name, "template"] = value
    return Portfolio(pool, memberships, chains=table, segments=segments,
                     region=region)


def _chain_table(table: pd.DataFrame | None, names: list[str]) -> pd.DataFrame:
    """Metadata rows for every chain: given rows first, then the others."""
    base = pd.DataFrame({"chain": pd.Series(names, dtype=object)})
    if table is None or not len(table):
        out = base
    else:
        given = table.copy()
        extra = base[~base["chain"].isin(given["chain"])]
        out = pd.concat([given, extra], ignore_index=True)
    for col in ("template", "general_chief", "chief", "office"):
        if col not in out.columns:
            out[col] = pd.Series([None] * len(out), dtype=object)
    if "target" not in out.columns:
        out["target"] = np.nan
    out = out.reset_index(drop=True)
    out["leaders"] = [v if isinstance(v, list) else [] for v in
                      out.get("leaders", [None] * len(out))]
    out["targets"] = [v if isinstance(v, dict) else {} for v in
                      out.get("targets", [None] * len(out))]
    out["template"] = pd.Series([None if isinstance(v, float) and np.isnan(v) else v
                                 for v in out["template"]], dtype=object)
    return out


def read_portfolio(enterprises: Any, links: Any = None, *, chains: Any = None,
                   chains_column: str | None = None,
                   templates: Mapping[str, Any] | None = None,
                   region: str | None = None, meta: Mapping[str, Any] | None = None,
                   **kwargs: Any) -> Portfolio:
    """Read a district's portfolio of chains.

    Parameters
    ----------
    enterprises : path or DataFrame
        One enterprise table with a chain column (then ``links`` is the link
        table), or - given alone - a folder with one sub-folder or file pair per
        chain, or a workbook with one sheet pair per chain (``<链>企业`` and
        ``<链>供应关系``, or ``<chain>_enterprises`` and ``<chain>_links``).
    links : path or DataFrame, optional
        The link table of the one-table form.
    chains : path, DataFrame, list or dict, optional
        Chain metadata (:func:`read_chain_meta`). Default: a ``chains.yaml``,
        ``产业链.yaml``, ``chains.csv`` or ``产业链.csv`` in the folder, or a sheet
        named 产业链 / chains in the workbook.
    chains_column : str, optional
        The chain column of the one-table form (default: :data:`CHAIN_COLUMNS`).
    templates : dict, optional
        Chain -> template (name, file or object); overrides the metadata.
    region : str, optional
        The district (focal region).
    meta : dict, optional
        Metadata of the pool (``year``, ``name``, ...).
    **kwargs
        Passed to :func:`chaingraph.read_chain` (``columns``, ``unknown``,
        ``duplicates``, ``scale``).

    Returns
    -------
    Portfolio

    Raises
    ------
    ChainDataError
        Bad tables (every problem, naming file, row and column), no chain column,
        a folder or workbook with no chain pairs.

    Examples
    --------
    >>> ent = pd.DataFrame({"id": ["a", "b"], "产业链": ["汽车、显示", "显示"],
    ...                     "output": ["3亿", "1亿"]})
    >>> lk = pd.DataFrame({"supplier": ["a"], "buyer": ["b"]})
    >>> P = cg.read_portfolio(ent, lk, templates={"汽车": "nev"})
    >>> P.chains, P.template("汽车").name, P.template("显示")
    (['汽车', '显示'], 'nev', None)
    """
    if links is not None or isinstance(enterprises, pd.DataFrame):
        return Portfolio.from_frames(enterprises, links, chains_column=chains_column,
                                     chains=chains, templates=templates,
                                     region=region, meta=meta, **kwargs)
    path = Path(enterprises)
    if path.is_dir():
        parts, found_meta = _folder_parts(path)
    elif path.suffix.lower() in (".xlsx", ".xls") and path.is_file():
        parts, found_meta = _workbook_parts(path)
        if not parts:  # no sheet pairs: one enterprise sheet with a chain column
            return Portfolio.from_frames(path, None, chains_column=chains_column,
                                         chains=chains if chains is not None
                                         else found_meta, templates=templates,
                                         region=region, meta=meta, **kwargs)
    else:
        raise ChainDataError(Problem("give an enterprise table and a link table, a "
                                     "folder or a workbook", path.name, None, None))
    if not parts:
        raise ChainDataError(Problem(
            "no chains found: expected sub-folders, file pairs such as 汽车_enterprises"
            ".csv + 汽车_links.csv, or sheet pairs such as 汽车企业 + 汽车供应关系",
            path.name, None, None))
    from chaingraph.readwrite.tables import read_chain

    kwargs.setdefault("unknown", "add")
    tables = [(name, read_chain(*args, **{**kwargs, **extra}))
              for name, (*args, extra) in parts]
    pool = _merge(tables, meta)
    return _from_pool(pool, "chain", chains if chains is not None else found_meta,
                      templates, region, file=path.name)


def _folder_parts(path: Path) -> tuple[list[tuple[str, tuple]], Any]:
    parts: list[tuple[str, tuple]] = []
    pairs: dict[str, dict[str, Path]] = {}
    found_meta = None
    for entry in sorted(path.iterdir()):
        stem, suffix = entry.stem, entry.suffix.lower()
        if entry.is_dir():
            parts.append((entry.name, (entry, None, {})))
        elif stem.lower() in ("chains", "产业链", "meta_chains") and suffix in (
                ".yaml", ".yml", ".csv", ".json", ".xlsx"):
            found_meta = entry
        elif suffix in _TABLE_SUFFIXES and (match := _pair(stem)):
            role = "links" if _is_links(match["role"]) \
                else "enterprises"
            pairs.setdefault(match["chain"], {})[role] = entry
    for name, files in pairs.items():
        if "links" in files:
            parts.append((name, (files.get("enterprises"), files["links"], {})))
    return parts, found_meta


def _is_links(role: str) -> bool:
    """Whether a pair's role word names the links (links, 关系, 供应/配套/采购关系)."""
    return role.lower() == "links" or role.endswith("关系")


def _pair(name: str) -> re.Match[str] | None:
    """``<chain><role>`` (汽车企业, 汽车_links, 汽车供应关系), else None."""
    match = _PAIR.match(name)
    if match is None or match["chain"].strip(" _-") in _NOT_CHAINS:
        return None
    return match


def _workbook_parts(path: Path) -> tuple[list[tuple[str, tuple]], Any]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheets = list(book.sheetnames)
    book.close()
    pairs: dict[str, dict[str, str]] = {}
    found_meta = None
    for sheet in sheets:
        if sheet.strip().lower() in ("chains", "产业链", "链长制"):
            found_meta = pd.read_excel(path, sheet_name=sheet, dtype=object)
        elif match := _pair(sheet.strip()):
            role = "links" if _is_links(match["role"]) \
                else "enterprises"
            pairs.setdefault(match["chain"], {})[role] = sheet
    return [(name, (path, None, {"sheet": (roles.get("enterprises"), roles["links"])}))
            for name, roles in pairs.items() if "links" in roles], found_meta


def _merge(tables: list[tuple[str, Chain]], meta: Mapping[str, Any] | None) -> Chain:
    """One pool from per-chain chains: shared ids once, chains and segments joined."""
    frames = []
    for name, chain in tables:
        ent = chain._enterprises.copy()
        ent["chain"] = name
        if "added" in ent.columns:  # linked outside enterprise: not a member
            ent.loc[ent["added"].fillna(False).astype(bool), "chain"] = None
        frames.append(ent)
    ent = pd.concat(frames, ignore_index=True)
    first = ent.drop_duplicates(ID, keep="first").set_index(ID)
    members = ent[ent["chain"].notna()]
    chains = members.groupby(ID, sort=False)["chain"].agg(
        lambda s: ";".join(dict.fromkeys(s)))
    first["chain"] = chains.reindex(first.index).astype(object)
    if SEGMENT in members.columns:
        per = members.drop_duplicates([ID, "chain"]).groupby(ID, sort=False)[SEGMENT]
        segs = per.agg(lambda s: ";".join("" if pd.isna(x) else str(x) for x in s))
        mixed = per.agg(lambda s: s.astype(str).nunique() > 1)
        if mixed.any():
            first.loc[mixed[mixed].index, SEGMENT] = segs[mixed]
    links = pd.concat([c._links for _, c in tables], ignore_index=True)
    links = links.drop_duplicates([SUPPLIER, BUYER], keep="first")
    base = dict(tables[0][1].meta) if tables else {}
    base.pop("name", None)
    pool_meta = {**base, **(dict(meta) if meta else {})}
    ent_out = first.reset_index()
    keep = [c for c in ent_out.columns if c != NAME or ent_out[c].notna().any()]
    return Chain.from_frames(ent_out[keep], links, meta=pool_meta, self_loops="keep")
