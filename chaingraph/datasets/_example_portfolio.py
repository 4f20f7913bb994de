"""Build the embedded example PORTFOLIO (synthetic) deterministically.

Run ``python -m chaingraph.datasets._example_portfolio`` to regenerate
``data/portfolio_enterprises_2024.csv``, ``data/portfolio_links_2024.csv``, the same
for 2025, and ``data/portfolio_chains.csv``: the same seed gives identical files.

Everything here is INVENTED: the district 明湾示范区 of the fictional city 澄岚市,
every enterprise name and every number. Six chains: the embedded new-energy-vehicle
example (a frozen copy of :func:`chaingraph.datasets.load_example`) and five chains
generated on built-in templates, with enterprises shared between chains. The second
year (2025) is the first with designed changes; see
:func:`chaingraph.datasets.load_example_portfolio`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250301
FOCAL = "明湾示范区"
REGIONS = (FOCAL, "澄岚市其他区", "东湾省其他市", "国内其他省份", "境外")
YEARS = (2024, 2025)
NEV = "新能源汽车"
#: chain -> (template, id prefix, enterprises, focal output 2024 in yuan, growth to 2025)
CHAINS = {
    "新型显示": ("electronic_display", "D", 200, 63e8, 1.66),
    "化妆品": ("cosmetics", "C", 180, 128e8, 1.04),
    "轨道交通": ("rail_transit", "R", 150, 34e8, 1.10),
    "绿色建材": ("green_building_materials", "G", 140, 26e8, 0.97),
    "生物医药": ("biomedicine", "B", 130, 8.6e8, 1.30),
}
#: enterprises of one chain that also serve another: (chain, segment) -> (chain, segment)
SHARED = [
    ((NEV, "power_semiconductors"), ("轨道交通", "power_semiconductors")),
    ((NEV, "steel_aluminium"), ("轨道交通", "steel")),
    ((NEV, "steel_aluminium"), ("绿色建材", "steel")),
    ((NEV, "basic_chemicals"), ("化妆品", "base_chemicals")),
    ((NEV, "intelligent_cockpit"), ("新型显示", "vehicle_displays")),
    (("化妆品", "plant_extracts"), ("生物医药", "medicinal_herbs")),
    (("化妆品", "packaging_materials"), ("生物医药", "pharma_packaging")),
]
GOVERNANCE = {  # invented offices and titles
    NEV: ("区长", "副区长（分管工业）", "区工业和信息化局"),
    "新型显示": ("区长", "副区长（分管科技）", "区科技局"),
    "化妆品": ("区长", "副区长（分管商务）", "区商务局"),
    "轨道交通": ("区长", "副区长（分管交通）", "区交通运输局"),
    "绿色建材": ("区长", "副区长（分管住建）", "区住房和城乡建设局"),
    "生物医药": ("区长", "副区长（分管卫健）", "区卫生健康局"),
}
TARGETS = {  # chain -> output targets 2024, 2025, 2026 (the three-year plan), yuan
    NEV: (2300e8, 2500e8, 2800e8), "新型显示": (70e8, 100e8, 150e8),
    "化妆品": (125e8, 135e8, 150e8), "轨道交通": (35e8, 40e8, 50e8),
    "绿色建材": (18e8, 20e8, 25e8), "生物医药": (9e8, 12e8, 20e8),
}
FIRST = "澜岚澄汐璟珩翊昀霁沅溪朔芃砚禾榆槿棠屿峤"
SECOND = "川源泰宸曜衡钧瑞拓弘睿越骐锐渊启成丰嘉晟"
PLACES = ("明湾", "澄岚", "云屿", "", "")
FOREIGN = ("Valmora", "Kestrel", "Nordvik", "Altessa", "Castellan", "Lumetra")


def _names(prefix: str, segments: np.ndarray, regions: np.ndarray, words: dict[str, str],
           rng: np.random.Generator) -> list[str]:
    brands = [a + b for a in FIRST for b in SECOND]
    order = rng.permutation(len(brands))
    out = []
    for i, (seg, r) in enumerate(zip(segments, regions, strict=True)):
        brand = brands[order[i % len(brands)]]
        if r == REGIONS[-1]:
            out.append(f"{FOREIGN[i % len(FOREIGN)]} {prefix}{i + 1:03d} Ltd.")
            continue
        place = PLACES[REGIONS.index(r)]
        out.append(f"{place}{brand}{words[seg]}{'科技' if i % 3 == 0 else ''}有限公司")
    return out


def _generated(chain: str, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    from chaingraph.datasets._generator import generate_chain
    from chaingraph.datasets._loaders import load_template

    template, prefix, n, focal_output, _ = CHAINS[chain]
    seed = int(rng.integers(2**31))
    g = generate_chain(n, template=template, seed=seed, regions=REGIONS,
                       focal_share=0.5, id_prefix=prefix)
    ent, links = g.enterprises, g.links
    ids = {old: f"{prefix}{i + 1:04d}" for i, old in enumerate(ent["id"])}
    ent["id"] = ent["id"].map(ids)
    links["supplier"], links["buyer"] = links["supplier"].map(ids), links["buyer"].map(ids)
    focal = (ent["region"] == FOCAL).to_numpy()
    factor = focal_output / ent.loc[focal, "output"].sum()
    for frame, col in ((ent, "output"), (ent, "capacity"), (links, "volume")):
        frame[col] = _round(frame[col].to_numpy() * factor)
    tpl = load_template(template)
    words = {s: w.split("（")[0].replace("与", "").replace("/", "")[:6]
             for s, w in zip(tpl.segments["id"], tpl.segments["name_zh"], strict=True)}
    ent.insert(1, "name", _names(prefix, ent["segment"].to_numpy(),
                                 ent["region"].to_numpy(), words, rng))
    ent["产业链"] = chain
    return ent, links


def _round(values: np.ndarray) -> np.ndarray:
    """Amounts to whole 万元, as integers of yuan."""
    return (np.round(np.asarray(values, dtype=float) / 1e4) * 1e4).astype(np.int64)


def _share(ent: pd.DataFrame, links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge one focal enterprise per SHARED pair into the other chain's enterprise."""
    ent = ent.copy()
    for (chain_a, seg_a), (chain_b, seg_b) in SHARED:
        keep = _first(ent, chain_a, seg_a, smallest=True)
        drop = _first(ent, chain_b, seg_b)
        kid, did = ent.at[keep, "id"], ent.at[drop, "id"]
        ent.at[keep, "产业链"] += f";{chain_b}"
        ent.at[keep, "segment"] += f";{seg_b}"
        ent = ent.drop(index=drop)
        links = links.replace({"supplier": {did: kid}, "buyer": {did: kid}})
    links = links[links["supplier"] != links["buyer"]]
    links = links.drop_duplicates(["supplier", "buyer"]).reset_index(drop=True)
    return ent.reset_index(drop=True), links


def _first(ent: pd.DataFrame, chain: str, segment: str, smallest: bool = False) -> int:
    """Row of the largest (smallest) focal enterprise of a chain's segment, not shared."""
    own = ent["产业链"].eq(chain) & ent["segment"].eq(segment)
    focal = own & ent["region"].eq(FOCAL)
    rows = ent[focal] if focal.any() else ent[own]
    return int(rows["output"].idxmin() if smallest else rows["output"].idxmax())


def _rescale(ent: pd.DataFrame) -> pd.DataFrame:
    """Scale each generated chain's own focal enterprises to its designed focal output."""
    chains = ent["产业链"].str.split(";")
    focal = ent["region"].eq(FOCAL)
    shared = chains.str.len() > 1
    for chain, (*_, total, _growth) in CHAINS.items():
        member = chains.map(lambda c, chain=chain: chain in c)
        fixed = ent.loc[member & focal & shared, "output"].sum()
        own = member & focal & ~shared
        factor = (total - fixed) / ent.loc[own, "output"].sum()
        for col in ("output", "capacity"):
            ent.loc[own, col] = _round(ent.loc[own, col].to_numpy() * factor)
    return ent


def _tags(ent: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    focal = ent["region"].eq(FOCAL).to_numpy()
    big = ent["output"].to_numpy() >= 2e7  # 规上: revenue >= 2000万 (industry)
    ent["规上"] = np.where(focal & big, "是", "否")
    ent["高新技术企业"] = np.where(focal & (rng.random(len(ent)) < 0.3), "是", "否")
    ent["专精特新"] = np.where(focal & big & (rng.random(len(ent)) < 0.12), "是", "否")
    return ent


def build_year_one(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2024: the NEV example plus five generated chains, with shared enterprises."""
    from chaingraph.datasets._loaders import load_example

    rng = np.random.default_rng(seed)
    nev = load_example()
    ent, links = nev.enterprises, nev.links[["supplier", "buyer", "volume"]]
    ent["产业链"] = NEV
    frames, link_frames = [ent], [links]
    for chain in CHAINS:
        e, lk = _generated(chain, rng)
        frames.append(e)
        link_frames.append(lk[["supplier", "buyer", "volume"]])
    ent = pd.concat(frames, ignore_index=True)
    ent["is_leader"] = ent["is_leader"].fillna(False).astype(bool)
    ent, links = _share(ent, pd.concat(link_frames, ignore_index=True))
    ent = _rescale(ent)
    ent = _tags(ent, rng)
    columns = ["id", "name", "产业链", "segment", "region", "output", "capacity",
               "is_leader", "规上", "高新技术企业", "专精特新"]
    return ent[columns], links


def build_year_two(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2025: growth by chain, new and closed enterprises, a missing segment filled."""
    ent, links = build_year_one(seed)
    rng = np.random.default_rng(seed + 1)
    focal = ent["region"].eq(FOCAL)
    first = ent["产业链"].str.split(";").str[0]
    growth = first.map({NEV: 1.08, **{c: v[4] for c, v in CHAINS.items()}})
    noise = rng.uniform(0.97, 1.03, len(ent))
    ent.loc[focal, "output"] = _round(ent.loc[focal, "output"] * growth[focal]
                                      * noise[focal.to_numpy()])
    ent.loc[focal, "capacity"] = np.maximum(ent.loc[focal, "capacity"],
                                            ent.loc[focal, "output"])
    # closed: three small focal NEV dealers and the smallest focal cosmetics brand
    gone = list(ent[focal & ent["segment"].eq("after_sales")].nsmallest(3, "output")["id"])
    gone += list(ent[focal & ent["segment"].eq("brand_owners")].nsmallest(1, "output")["id"])
    ent = ent[~ent["id"].isin(gone)]
    links = links[~links["supplier"].isin(gone) & ~links["buyer"].isin(gone)]
    # new: a focal automotive-chip maker (fills the NEV missing segment) and display firms
    chip_buyers = ("battery_pack", "driving_domain_controller", "electronic_control",
                   "intelligent_cockpit", "sensors_lidar", "thermal_management")
    local = ent[ent["region"].eq(FOCAL)]
    buyers = [local[local["segment"].eq(s)]["id"].iloc[0] for s in chip_buyers]
    new = [{"id": "E0407", "name": "明湾芃芯车规芯片科技有限公司", "产业链": NEV,
            "segment": "automotive_chips", "region": FOCAL, "output": 18e8,
            "capacity": 25e8, "is_leader": False, "规上": "是", "高新技术企业": "是",
            "专精特新": "是"},
           {"id": "D0201", "name": "明湾槿曜显示模组有限公司", "产业链": "新型显示",
            "segment": "display_module", "region": FOCAL, "output": 6e8, "capacity": 8e8,
            "is_leader": False, "规上": "是", "高新技术企业": "否", "专精特新": "否"}]
    ent = pd.concat([ent, pd.DataFrame(new)], ignore_index=True)
    new_links = [{"supplier": "E0407", "buyer": b, "volume": 1.5e8} for b in buyers[:6]]
    panels = ent[ent["segment"].isin(["lcd_panel", "oled_panel"])]["id"].tolist()[:2]
    sets = ent[ent["segment"].isin(["vehicle_displays", "smartphones"])]["id"].tolist()[:2]
    new_links += [{"supplier": p, "buyer": "D0201", "volume": 1e8} for p in panels]
    new_links += [{"supplier": "D0201", "buyer": s, "volume": 1.2e8} for s in sets]
    links = pd.concat([links, pd.DataFrame(new_links)], ignore_index=True)
    links = links.drop_duplicates(["supplier", "buyer"]).reset_index(drop=True)
    for frame, col in ((ent, "output"), (ent, "capacity"), (links, "volume")):
        frame[col] = _round(frame[col].to_numpy())
    return ent.reset_index(drop=True), links


def chain_table(enterprises: pd.DataFrame) -> pd.DataFrame:
    """Chain metadata: template, governance (链长制), leaders, the three-year targets."""
    rows = []
    templates = {NEV: "nev", **{c: v[0] for c, v in CHAINS.items()}}
    for chain, template in templates.items():
        own = enterprises[enterprises["产业链"].str.split(";").str[0].eq(chain)
                          & enterprises["region"].eq(FOCAL)]
        if chain == NEV:
            leaders = own[own["is_leader"]]["name"].tolist()
        else:
            leaders = own.nlargest(1, "output")["name"].tolist()
        general, chief, office = GOVERNANCE[chain]
        t = TARGETS[chain]
        rows.append({"产业链": chain, "模板": template, "总链长": general, "链长": chief,
                     "链主企业": "、".join(leaders), "链长办": office,
                     "目标产值": f"{t[2] / 1e8:g}亿", "2024目标产值": f"{t[0] / 1e8:g}亿",
                     "2025目标产值": f"{t[1] / 1e8:g}亿", "2026目标产值": f"{t[2] / 1e8:g}亿"})
    return pd.DataFrame(rows)


def write_portfolio(folder: str | Path | None = None) -> list[Path]:
    """Write the example portfolio files (default: the package data folder)."""
    folder = Path(folder) if folder is not None else Path(__file__).parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year, build in zip(YEARS, (build_year_one, build_year_two), strict=True):
        ent, links = build()
        for name, frame in (("enterprises", ent), ("links", links)):
            path = folder / f"portfolio_{name}_{year}.csv"
            frame.to_csv(path, index=False, lineterminator="\n")
            paths.append(path)
        if year == YEARS[0]:
            path = folder / "portfolio_chains.csv"
            chain_table(ent).to_csv(path, index=False, lineterminator="\n")
            paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - regeneration script
    for written in write_portfolio():
        print(written)

