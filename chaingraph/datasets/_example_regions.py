"""The embedded example with regions: a delta city, its districts, and three
destination cities (east, west, north) with parks. SYNTHETIC.

Run ``python -m chaingraph.datasets._example_regions`` to regenerate
``data/example_regions_enterprises.csv``, ``data/example_regions_links.csv``,
``data/example_regions_meta.json`` and ``data/example_regions.geojson``: the same
seed gives byte-identical files. The chain is the embedded example
(:func:`chaingraph.datasets.load_example`, same enterprises, links and amounts)
with a region hierarchy and invented coordinates added; every place name, park
and coordinate is INVENTED.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from chaingraph.model import Chain

__all__ = ["build_example_regions", "example_regions_geojson", "load_example_regions",
           "write_example_regions"]

SEED = 20250224
PROVINCE = "东湾省"
DELTA = "澄岚市"
DELTA_DISTRICTS = ("澄东区", "岚西区", "临港区")  # besides the focal 明湾示范区
FOCAL = "明湾示范区"
# destination cities: (city, direction, district, park, centre lon/lat)
DESTINATIONS = (
    ("潮岭市", "east", "榕江区", "潮岭产业转移工业园", (116.6, 23.5)),
    ("湛川市", "west", "麻岭区", "湛川承接产业园", (110.4, 21.3)),
    ("韶峰市", "north", "曲水区", "韶峰高新区", (113.6, 24.8)),
)
DELTA_CENTRE = (113.4, 22.9)
DISTRICT_OFFSETS = {FOCAL: (0.15, -0.1), "澄东区": (0.35, 0.1), "岚西区": (-0.3, 0.05),
                    "临港区": (0.1, -0.35)}
#: Output each park can host (yuan per year), and land (亩), for transfer plans.
PARK_CAPACITY = {"潮岭产业转移工业园": 8e9, "湛川承接产业园": 5e9, "韶峰高新区": 6e9}
PARK_LAND = {"潮岭产业转移工业园": 3000, "湛川承接产业园": 2000, "韶峰高新区": 2500}
#: Counterpart assistance (对口帮扶): delta districts paired with destination cities.
DISTRICT_PAIRS = {FOCAL: ["韶峰市"], "澄东区": ["潮岭市"], "岚西区": ["湛川市"],
                  "临港区": ["湛川市"]}
CITY_PAIRS = {DELTA: [d[0] for d in DESTINATIONS]}


def _data_file(name: str):
    return resources.files("chaingraph.datasets").joinpath("data", name)


def build_example_regions(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, dict,
                                                     dict]:
    """Enterprise table, link table, metadata and GeoJSON (deterministic)."""
    from chaingraph.datasets._example import build_example

    rng = np.random.default_rng(seed)
    ent, links, meta = build_example()
    region = ent["region"].to_numpy(dtype=object)
    n = len(ent)
    province = np.full(n, None, dtype=object)
    city, district, park = (np.full(n, None, dtype=object) for _ in range(3))
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        r = region[i]
        if r in ("国内其他省份", "境外"):
            province[i] = r
            continue
        province[i] = PROVINCE
        if r in (FOCAL, "澄岚市其他区"):
            city[i] = DELTA
            district[i] = FOCAL if r == FOCAL else DELTA_DISTRICTS[rng.integers(3)]
            dx, dy = DISTRICT_OFFSETS[district[i]]
            centre = (DELTA_CENTRE[0] + dx, DELTA_CENTRE[1] + dy)
            spread = 0.06
        else:
            c, _, d, p, centre = DESTINATIONS[rng.integers(len(DESTINATIONS))]
            city[i], district[i] = c, d
            park[i] = p if rng.random() < 0.6 else None
            spread = 0.12
        lon[i] = round(centre[0] + rng.normal(0, spread), 4)
        lat[i] = round(centre[1] + rng.normal(0, spread), 4)
    ent = ent.assign(region=np.where(pd.isna(city), region, np.where(
        city == DELTA, district, city)))
    ent["province"], ent["city"], ent["district"], ent["park"] = (
        province, city, district, park)
    ent["lon"], ent["lat"] = lon, lat
    meta = {**meta,
            "name": "东湾省新能源汽车产业链：珠三角式产业转移（合成示例）",
            "name_en": "Dongwan province NEV chain with regions (synthetic example)",
            "source": f"chaingraph.datasets._example_regions, seed {seed} (regions) "
                      f"on {meta['source']}",
            "home_province": PROVINCE, "delta_city": DELTA,
            "destination_cities": {d[0]: d[1] for d in DESTINATIONS},
            "parks": [{"park": d[3], "city": d[0], "district": d[2],
                       "capacity": PARK_CAPACITY[d[3]], "land_mu": PARK_LAND[d[3]]}
                      for d in DESTINATIONS],
            "policy_pairs": CITY_PAIRS, "district_pairs": DISTRICT_PAIRS}
    return ent, links, meta, _geojson()


def _polygon(centre: tuple[float, float], radius: float, sides: int = 8) -> list:
    angles = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    ring = [[round(centre[0] + radius * np.cos(a), 3), round(centre[1] + radius * 0.8
                                                             * np.sin(a), 3)]
            for a in angles]
    return [[*ring, ring[0]]]


def _geojson() -> dict:
    features = [{"type": "Feature", "properties": {"name": DELTA, "city": DELTA},
                 "geometry": {"type": "Polygon",
                              "coordinates": _polygon(DELTA_CENTRE, 0.7)}}]
    for c, _, _, _, centre in DESTINATIONS:
        features.append({"type": "Feature", "properties": {"name": c, "city": c},
                         "geometry": {"type": "Polygon",
                                      "coordinates": _polygon(centre, 0.6)}})
    return {"type": "FeatureCollection", "name": "东湾省（虚构）城市轮廓",
            "features": features}


def write_example_regions(folder: str | Path | None = None) -> list[Path]:
    """Write the regional example's files (default: the package data folder)."""
    folder = Path(folder) if folder is not None else Path(__file__).parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    ent, links, meta, geo = build_example_regions()
    paths = [folder / f"example_regions_{n}" for n in (
        "enterprises.csv", "links.csv", "meta.json")] + [folder / "example_regions.geojson"]
    texts = [ent.to_csv(index=False, lineterminator="\n"),
             links.to_csv(index=False, lineterminator="\n"),
             json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
             json.dumps(geo, ensure_ascii=False) + "\n"]
    for path, text in zip(paths, texts, strict=True):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return paths


def load_example_regions() -> Chain:
    """The embedded example with a region hierarchy: a delta city and three
    destination cities with parks. SYNTHETIC.

    Returns
    -------
    Chain
        The 406 enterprises and 1,090 links of :func:`load_example` (same ids and
        amounts), in the invented province 东湾省. Extra enterprise columns:
        ``province``, ``city``, ``district``, ``park`` (the hierarchy, coarse to
        fine; enterprises elsewhere in the country have ``province`` 国内其他省份,
        abroad 境外, and no finer levels), ``lon`` and ``lat`` (invented
        coordinates; none abroad or outside the province). ``region`` is the
        district in the delta city 澄岚市 (明湾示范区, 澄东区, 岚西区, 临港区) and the
        city elsewhere in the province.

        The delta city 澄岚市 holds the old 明湾示范区 and 澄岚市其他区
        enterprises; the three destination cities 潮岭市 (east), 湛川市 (west) and
        韶峰市 (north) share the old 东湾省其他市 enterprises, each with one
        district and one industrial park (about 60% of their enterprises sit in
        the park).

        *Metadata* (besides the example's): ``home_province`` (东湾省),
        ``delta_city``, ``destination_cities`` (city -> direction), ``parks``
        (park, city, district, ``capacity`` in yuan of output it can host,
        ``land_mu``), ``policy_pairs`` (city level: 澄岚市 -> the three cities)
        and ``district_pairs`` (counterpart assistance, delta district ->
        destination cities).

    See Also
    --------
    load_example, chaingraph.algorithms.regions.find_regions

    Notes
    -----
    Generated by :mod:`chaingraph.datasets._example_regions` (deterministic,
    seed 20250224) from the example's own build script; city outlines for the
    geographic view are in ``example_regions.geojson`` beside the CSVs (see
    :func:`example_regions_geojson`). Licence CC0-1.0 (synthetic).

    Examples
    --------
    >>> chain = cg.datasets.load_example_regions()
    >>> chain.n_enterprises, chain.meta["home_province"]
    (406, '东湾省')
    >>> chain.enterprises["city"].value_counts().to_dict()
    {'澄岚市': 213, '潮岭市': 30, '湛川市': 19, '韶峰市': 16}
    """
    from chaingraph.datasets._loaders import example_template

    text = dict.fromkeys(("id", "name", "segment", "region", "province", "city",
                          "district", "park"), object)
    with _data_file("example_regions_enterprises.csv").open("rb") as handle:
        enterprises = pd.read_csv(handle, dtype=text, encoding="utf-8")
    with _data_file("example_regions_links.csv").open("rb") as handle:
        links = pd.read_csv(handle, dtype=dict.fromkeys(("supplier", "buyer", "product"),
                                                        object), encoding="utf-8")
    meta = json.loads(_data_file("example_regions_meta.json").read_text(encoding="utf-8"))
    return Chain.from_frames(enterprises, links, meta=meta, template=example_template(),
                             files=("example_regions_enterprises.csv",
                                    "example_regions_links.csv"))


def example_regions_geojson() -> dict:
    """City outlines (invented) of :func:`load_example_regions`, as a GeoJSON dict.

    Examples
    --------
    >>> geo = cg.datasets.example_regions_geojson()
    >>> [f["properties"]["name"] for f in geo["features"]]
    ['澄岚市', '潮岭市', '湛川市', '韶峰市']
    """
    return json.loads(_data_file("example_regions.geojson").read_text(encoding="utf-8"))


if __name__ == "__main__":  # pragma: no cover - regeneration script
    for written in write_example_regions():
        print(written)
