"""Loaders of the package data: built-in segment templates (YAML) and the example chain."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from chaingraph.model import Chain, SegmentTemplate
from chaingraph.model import lookup as _lookup
from chaingraph.model.lookup import TemplateLike

__all__ = ["example_template", "list_templates", "load_example", "load_template"]

_PACKAGE = "chaingraph.datasets"


def as_template(template: TemplateLike) -> SegmentTemplate | None:
    """Resolve the ``template=`` argument of an analysis: None, an object, a name or a file.

    The same function as :func:`chaingraph.model.lookup.as_template` (re-exported).

    Parameters
    ----------
    template : SegmentTemplate, str, path or None
        A template object (returned as is), a built-in name or a template file.

    Returns
    -------
    SegmentTemplate or None

    Raises
    ------
    chaingraph.TemplateError
        An unknown name, or a file that is not a valid template.

    Examples
    --------
    >>> cg.datasets.as_template("nev").name, cg.datasets.as_template(None)
    ('nev', None)
    """
    return _lookup.as_template(template)


def load_template(name: TemplateLike) -> SegmentTemplate:
    """Load a built-in segment template by name, or a template file.

    Parameters
    ----------
    name : str, path or SegmentTemplate
        A built-in template id (see :func:`list_templates`: ``"nev"``,
        ``"cosmetics"``, ``"electronic_display"``, ...), a path to a YAML or JSON
        template file, or a :class:`~chaingraph.SegmentTemplate` (returned as is).

    Returns
    -------
    SegmentTemplate
        A new template object on each call (changing it changes no other copy).

    Raises
    ------
    chaingraph.TemplateError
        An unknown name, or a file that is not a valid template.

    See Also
    --------
    list_templates : the built-in templates.
    chaingraph.SegmentTemplate.from_dict : the file layout.

    Notes
    -----
    The built-in templates are simplified reference structures compiled from public
    industry descriptions (each file's ``basis`` says which); they are not official
    chain maps. Segment ids are snake_case English; every segment has a Chinese and
    an English name, a stage and a description; edges marked ``essential: false``
    are substitutable inputs.

    Examples
    --------
    >>> tpl = cg.datasets.load_template("nev")
    >>> tpl.name, tpl.resolve("整车制造"), tpl.stage_of("lithium_resources")
    ('nev', 'vehicle_assembly', 'upstream')
    >>> cg.datasets.load_template(tpl) is tpl
    True
    """
    return _lookup.load_template(name)


def list_templates() -> pd.DataFrame:
    """The built-in segment templates.

    Returns
    -------
    DataFrame
        One row per template, sorted by id, columns ``id``, ``name_zh``,
        ``name_en``, ``n_segments``, ``n_edges``, ``basis``.

    See Also
    --------
    load_template

    Examples
    --------
    >>> table = cg.datasets.list_templates()
    >>> "nev" in set(table["id"])
    True
    >>> table.columns.tolist()
    ['id', 'name_zh', 'name_en', 'n_segments', 'n_edges', 'basis']
    """
    rows = []
    for name in sorted(_lookup.builtin_templates()):
        data = _lookup.builtin_template_data(name)
        rows.append({"id": data.get("id", name), "name_zh": data.get("name_zh"),
                     "name_en": data.get("name_en"),
                     "n_segments": len(data.get("segments") or []),
                     "n_edges": len(data.get("edges") or []),
                     "basis": " ".join(str(data.get("basis", "")).split())})
    columns = ["id", "name_zh", "name_en", "n_segments", "n_edges", "basis"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"id": object, "name_zh": object, "name_en": object, "basis": object})


def _data_file(name: str):
    return resources.files(_PACKAGE).joinpath("data", name)


def example_template() -> SegmentTemplate:
    """The segment template of :func:`load_example`: ``load_template("nev")``.

    Examples
    --------
    >>> cg.datasets.example_template().name
    'nev'
    """
    return load_template("nev")


def load_example() -> Chain:
    """A small SYNTHETIC new-energy-vehicle district chain with designed weaknesses.

    Everything in it is invented: the focal district 明湾示范区 (Mingwan
    demonstration zone) of the fictional city 澄岚市 in the fictional province
    东湾省, every enterprise name and every number. It exists so that examples,
    tutorials and tests have a realistic chain whose findings are known.

    Returns
    -------
    Chain
        406 enterprises and 1,090 links on the ``nev`` template (see
        :func:`example_template`); 150 enterprises in the focal district.

        *Enterprises*: ``id`` (``E0001``...), ``name`` (Chinese names; foreign
        suppliers have English names), ``segment`` (``nev`` template id),
        ``region`` (``明湾示范区`` the focal district, ``澄岚市其他区`` the rest of
        the city, ``东湾省其他市`` the rest of the province, ``国内其他省份`` the
        rest of the country, ``境外`` abroad), ``output`` and ``capacity`` (yuan
        per year), ``is_leader`` (the example's designed chain leaders).

        *Links*: ``supplier``, ``buyer``, ``volume`` (yuan per year),
        ``capacity`` (yuan per year), ``product``.

        *Metadata*: ``name``, ``unit`` ("yuan"), ``currency`` ("CNY"), ``year``,
        ``source``, ``template`` ("nev"), ``focal_region`` ("明湾示范区"),
        ``licence``, ``synthetic`` (True).

    See Also
    --------
    example_template, generate_chain

    Notes
    -----
    *Provenance.* Generated by the deterministic script
    :mod:`chaingraph.datasets._example` (``python -m chaingraph.datasets._example``
    rewrites the shipped CSVs identically). Licence: CC0-1.0 (the data are
    synthetic; the code that builds them is BSD-3-Clause like the package).

    *Designed weaknesses* (what a diagnosis of the focal district should find):

    1. **Missing segments** (断链环节): no focal enterprise in
       ``lithium_resources``, ``nickel_cobalt``, ``semiconductor_materials`` and
       ``automotive_chips``.
    2. **Single point of failure**: ``battery_pack`` has exactly one focal
       enterprise; the three focal battery-swap operators (``charging_infrastructure``,
       names with 换电) buy only from it, so removing it cuts them off from every
       source.
    3. **Capped segment**: the two focal ``lithium_salts`` makers run at full
       capacity (``capacity == output``, utilisation 100%; every other enterprise
       has at least 15% spare capacity). They buy 85% and sell 90% of their output
       along the chain's links and trade lithium salts only with focal cathode and
       electrolyte makers. In the maximum flow (link ``capacity``, enterprise
       ``capacity``, final producers bounded by their ``output``) both lie on the
       minimum cut nearest the sources, from all sources to all final producers
       and from the ``lithium_resources`` enterprises to the ``vehicle_assembly``
       enterprises (where at most two other enterprises join them; the rest of
       the cut is links).
    4. **Foreign dependence**: over 90% of the volume of ``automotive_chips`` and
       ``power_semiconductors`` bought by focal enterprises comes from abroad
       (``境外``).
    5. **Broken template link**: focal ``separator`` makers and focal
       ``battery_cell`` makers both exist but no focal separator supplies a focal
       cell maker (each side trades only with other regions). Every other template
       link between two segments present in the district has a local link.
    6. **Cycle**: a focal recycler buys retired batteries from focal dealers
       (``after_sales``) and sells recovered lithium to a focal ``lithium_salts``
       maker, closing the loop lithium salts -> cathode -> battery cell -> pack ->
       vehicle -> dealer -> recycler -> lithium salts: 33 enterprises form one
       strongly connected component; the rest of the chain is acyclic.
    7. **Leaders** (``is_leader``): two focal vehicle makers (outputs 320 and 160
       亿元) and one focal battery-cell maker (120 亿元), each with many focal
       suppliers.

    Examples
    --------
    >>> chain = cg.datasets.load_example()
    >>> chain.n_enterprises, chain.meta["focal_region"]
    (406, '明湾示范区')
    >>> chain.enterprises.query("is_leader")["segment"].tolist()
    ['battery_cell', 'vehicle_assembly', 'vehicle_assembly']
    """
    import json

    text_columns = dict.fromkeys(("id", "name", "segment", "region"), object)
    link_columns = dict.fromkeys(("supplier", "buyer", "product"), object)
    with _data_file("example_enterprises.csv").open("rb") as handle:
        enterprises = pd.read_csv(handle, dtype=text_columns, encoding="utf-8")
    with _data_file("example_links.csv").open("rb") as handle:
        links = pd.read_csv(handle, dtype=link_columns, encoding="utf-8")
    meta = json.loads(_data_file("example_meta.json").read_text(encoding="utf-8"))
    return Chain.from_frames(enterprises, links, meta=meta, template=example_template(),
                             files=("example_enterprises.csv", "example_links.csv"))
