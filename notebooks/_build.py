"""Write the tutorial notebooks from the cell sources below (outputs stripped).

Run ``python notebooks/_build.py`` after editing; CI executes the notebooks
(tests/test_notebooks.py) and checks their outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str):
    return new_code_cell(text.strip())


QUICKSTART = [
    md("""
# 1. Quickstart: diagnose a chain in five minutes

This notebook loads chaingraph's embedded example — a **synthetic** new-energy-vehicle chain of
an invented district, 明湾示范区 (every enterprise name is invented) — diagnoses it against the
built-in NEV segment template, draws the chain structure map and reads the findings.
"""),
    code("""
import os
import tempfile
from pathlib import Path

import chaingraph as cg

# files this notebook writes go to a temporary folder, never into the checkout
OUT = Path(os.environ.get("CHAINGRAPH_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="chaingraph-"))
chain = cg.load_example()
template = cg.load_template("nev")
chain, template
"""),
    md("The chain is two tables (enterprises and supply links) plus metadata; every analysis also "
       "accepts a networkx `DiGraph` (`chain.to_networkx()`)."),
    code("""
print(chain.meta["name"], "| focal region:", chain.meta["focal_region"])
chain.enterprises.head()
"""),
    code("""
chain.enterprises["region"].value_counts()
"""),
    md("""
## Diagnose

`diagnose` runs every analysis once: structure, breakpoints (断点), bottlenecks (堵点), chain
leaders (链主), extension candidates (补链/延链/强链) and the echelon (梯队).
"""),
    code("""
report = cg.diagnose(chain, template=template, region="明湾示范区")
summary = report.summary
{k: summary[k] for k in ("n_enterprises", "n_links", "coverage", "completeness", "max_flow")}
"""),
    md("### Breakpoints: what is missing or hangs on one thread"),
    code("""
bp = report.breakpoints
print(bp["kind"].value_counts().to_string())
bp[["kind", "enterprise", "segment", "explanation"]].head(8)
"""),
    code("""
missing = set(bp.loc[bp["kind"] == "missing_segment", "segment"])
assert missing, "the example is designed with missing segments"
spof = bp[bp["kind"] == "single_point_of_failure"]
assert len(spof) > 0, "the example is designed with single points of failure"
print("missing segments:", sorted(missing))
print(spof["explanation"].iloc[0])
"""),
    md("### Bottlenecks: where the flow from raw materials to vehicles is capped"),
    code("""
print("maximum flow:", round(report.flow.value / 1e8, 2), "亿 yuan per year")
report.flow.min_cut.head()
"""),
    code("""
report.bottlenecks[["kind", "segment", "enterprise", "score", "explanation"]].head(8)
"""),
    md("### Chain leaders, extension candidates, echelon"),
    code("""
report.leaders[["enterprise", "name", "segment", "score", "rank"]].head(5)
"""),
    code("""
report.candidates[["segment", "kind", "score", "explanation"]].head(6)
"""),
    code("""
report.echelon
"""),
    md("## The chain structure map (产业链图谱)"),
    code("""
import matplotlib.pyplot as plt
from IPython.display import Image

ax = cg.plotting.plot_chain_map(chain, template=template, report=report, region="明湾示范区")
fig = ax.figure
fig.savefig(OUT / "quickstart_map.png", dpi=120, bbox_inches="tight")
plt.close(fig)
Image(filename=str(OUT / "quickstart_map.png"))
"""),
    md("An interactive version (pan, zoom, hover) displays inline and saves as one HTML file:"),
    code("""
html = cg.plotting.html_map(chain, template=template, report=report, region="明湾示范区")
html.save(OUT / "quickstart_map.html")
html
"""),
    md("## Save the report"),
    code("""
report.to_excel(OUT / "quickstart_report.xlsx", chinese=True)
(OUT / "quickstart_report.md").write_text(report.to_markdown(), encoding="utf-8")
print("written to", OUT)
print(report.to_markdown()[:600])
"""),
]

OWN_DATA = [
    md("""
# 2. Your own data: an Excel workbook with Chinese column names

A chain office usually has a workbook: one sheet of enterprises (企业名称, 所属环节, 所在地区,
年产值 ...) and one of supply relations (供应商, 采购方, 金额 ...), amounts written as people write
them (`3.5亿`, `12万`, `1,234.5`). This notebook makes such a workbook from the synthetic example,
reads it back, diagnoses it, and shows what the errors look like when the sheet is wrong.
"""),
    code("""
import pandas as pd

import chaingraph as cg

example = cg.load_example()


def yuan_text(value):
    # write amounts the way a spreadsheet user would
    if value != value:
        return ""
    return f"{value / 1e8:.2f}亿" if value >= 1e8 else f"{value / 1e4:,.1f}万"


ent = example.enterprises
sheet_ent = pd.DataFrame({
    "企业编号": ent["id"], "企业名称": ent["name"], "所属环节": ent["segment"],
    "所在地区": ent["region"], "年产值": ent["output"].map(yuan_text),
})
lk = example.links
sheet_links = pd.DataFrame({
    "供应商": lk["supplier"], "采购方": lk["buyer"], "金额": lk["volume"].map(yuan_text),
    "产品": lk["product"],
})
with pd.ExcelWriter("示范区产业链.xlsx") as xl:
    sheet_ent.to_excel(xl, sheet_name="企业", index=False)
    sheet_links.to_excel(xl, sheet_name="供应关系", index=False)
sheet_ent.head(3)
"""),
    md("## Read it\n\nName the columns once (common headers such as 供应商 / 采购方 / 金额 are "
       "recognised without a mapping); segments may be template ids or Chinese names."),
    code("""
columns = {"企业编号": "id", "企业名称": "name", "所属环节": "segment", "所在地区": "region",
           "年产值": "output", "供应商": "supplier", "采购方": "buyer", "金额": "volume"}
chain = cg.read_chain("示范区产业链.xlsx", sheet=("企业", "供应关系"), columns=columns,
                      template=cg.load_template("nev"))
print(chain)
assert chain.n_enterprises == example.n_enterprises and chain.n_links == example.n_links
"""),
    code("""
report = cg.diagnose(chain, template="nev", region="明湾示范区")
report.to_excel("示范区诊断报告.xlsx", chinese=True)
pd.ExcelFile("示范区诊断报告.xlsx").sheet_names
"""),
    code("""
import matplotlib.pyplot as plt
from IPython.display import Image

ax = cg.plotting.plot_chain_map(chain, template="nev", report=report, region="明湾示范区")
ax.figure.savefig("示范区产业链图谱.png", dpi=120, bbox_inches="tight")
plt.close(ax.figure)
Image("示范区产业链图谱.png")
"""),
    md("""
## A workbook as offices keep it

Real workbooks are messier: a merged title row and a unit row above the header, enterprises
identified by 统一社会信用代码 while the link sheet names them by 企业名称, segments written the
office's way (`正极`, `电芯`), a blank segment, a `合计` row and a `注` row below the data, an
outside supplier that is not in the list, and a cover sheet. `read_chain` reads it without any
option: sheets are recognised by their columns, the title becomes the chain's name, and every
row it does not read as data is named in a one-line warning.
"""),
    code("""
import warnings

import openpyxl

names = dict(zip(ent["id"], ent["name"]))
spelling = {"cathode": "正极", "battery_cell": "电芯", "anode": "负极"}  # template synonyms
nev = cg.load_template("nev")
seg_zh = dict(zip(nev.segments["id"], nev.segments["name_zh"]))
book = openpyxl.Workbook()
sheet = book.active
sheet.title = "重点企业名单"
sheet.append(["明湾示范区新能源汽车产业链重点企业名单（2024年度）"])
sheet.merge_cells("A1:F1")
sheet.append([None, None, None, None, None, "单位：万元"])
sheet.append(["序号", "统一社会信用代码", "企业名称", "所属环节", "所在区域", "年产值"])
for k, row in enumerate(ent.itertuples(index=False), start=1):
    segment = None if k == 5 else spelling.get(row.segment, seg_zh[row.segment])
    output = None if row.output != row.output else row.output / 1e4
    sheet.append([k, f"91440000MA{k:08d}", row.name, segment, row.region, output])
sheet.append([None, "合计", None, None, None, float(ent["output"].sum() / 1e4)])
sheet.append(["注：产值为2024年数据（合成示例，企业名称均为虚构）"])
links_sheet = book.create_sheet("供应关系")
links_sheet.append(["供应商", "采购方", "金额（万元）"])
for row in lk.itertuples(index=False):
    links_sheet.append([names[row.supplier], names[row.buyer],
                        None if row.volume != row.volume else row.volume / 1e4])
links_sheet.append(["海外隔膜供应商（虚构）", names[lk["buyer"].iloc[0]], 1200])
book.create_sheet("封面").append(["明湾示范区产业链办公室 编"])
book.save("重点企业名单.xlsx")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    office = cg.read_chain("重点企业名单.xlsx", template=nev, unknown="add")
for warning in caught:
    print(warning.message)
print(office)
print(cg.readwrite.load_summary(office.meta["load_log"]))
assert office.n_enterprises == example.n_enterprises + 1  # + the outside supplier
assert office.n_links == example.n_links + 1
assert office.meta["name"] == "明湾示范区新能源汽车产业链重点企业名单（2024年度）"
"""),
    md("An enterprise list without supply links (the first state of most chain maps) is "
       "diagnosed too; link-based findings are reported as skipped (无供应关系数据), never "
       "as broken links."),
    code("""
only_list = cg.read_chain(sheet_ent, columns=columns, template=nev)
listed = cg.diagnose(only_list, template="nev", region="明湾示范区")
print(only_list, "|", listed.breakpoints["kind"].value_counts().to_dict())
print(listed.breakpoints.attrs.get("skipped"))
"""),
    md("""
## When the sheet is wrong

Every problem is reported at once, each with the file, the spreadsheet row (the header is
row 1) and the column as you named it.
"""),
    code("""
bad_ent = sheet_ent.copy()
bad_ent.loc[5, "企业编号"] = bad_ent.loc[4, "企业编号"]      # duplicate id
bad_ent.loc[7, "年产值"] = "-3万"                              # negative amount
bad_ent.loc[9, "所属环节"] = "飞行汽车"                        # not a template segment
bad_links = sheet_links.copy()
bad_links.loc[2, "供应商"] = "不存在的企业"                    # unknown enterprise
bad_links.loc[3, "金额"] = "12abc"                            # not a number
with pd.ExcelWriter("有错误的表.xlsx") as xl:
    bad_ent.to_excel(xl, sheet_name="企业", index=False)
    bad_links.to_excel(xl, sheet_name="供应关系", index=False)

try:
    cg.read_chain("有错误的表.xlsx", sheet=("企业", "供应关系"), columns=columns,
                  template=cg.load_template("nev"))
except cg.ChainDataError as err:
    print(err)
    problems = err.problems
assert len(problems) >= 5
"""),
    code("""
pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column, "message": p.message}
              for p in problems])
"""),
]

WILLEMS = [
    md("""
# 3. Real multi-echelon supply chains (Willems 2008)

Sean Willems published 38 supply chains of real companies (chemicals, computers, food, medical
devices, aircraft engines, batteries, ...) used for inventory optimisation (*Manufacturing &
Service Operations Management* 10(1):19-23, 2008). The 19 odd-numbered chains are in
`../shared/data/willems` beside this repository (research data: read from there, never copied
into the package). Each stage — part, manufacturing step, distribution, transport or retail
point — is an enterprise here, and its class is its segment.

Without that folder (e.g. in a fresh clone on its own), the first cell says so and every
later cell is skipped with a one-line note.
"""),
    code("""
import os
import tempfile
from pathlib import Path

import pandas as pd

import chaingraph as cg

# files this notebook writes go to a temporary folder, never into the checkout
OUT = Path(os.environ.get("CHAINGRAPH_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="chaingraph-"))


def find_willems():
    if os.environ.get("CHAINGRAPH_SHARED_DATA"):
        candidate = Path(os.environ["CHAINGRAPH_SHARED_DATA"]) / "willems"
        return candidate if candidate.is_dir() else None
    for parent in [Path.cwd(), *Path.cwd().parents]:
        candidate = parent / "shared" / "data" / "willems"
        if candidate.is_dir():
            return candidate
    return None


def skip_cell(lines):
    return ['print("skipped: this notebook needs ../shared/data/willems (see the first cell)")']


WILLEMS = find_willems()
if WILLEMS is None:
    print("SKIPPING this notebook: the Willems data (../shared/data/willems beside the "
          "repository, or CHAINGRAPH_SHARED_DATA) is not here; every later cell is skipped.")
    get_ipython().input_transformers_post.append(skip_cell)  # noqa: F821
    index = None
else:
    index = pd.read_csv(WILLEMS / "index.csv", dtype=str)
index if index is None else index.head()
"""),
    md("The CSV layout is wide (a stage's suppliers follow on its row); a few lines turn it into "
       "the two tables chaingraph reads."),
    code("""
import csv


def load_willems(number):
    enterprises, links = [], []
    with open(WILLEMS / f"willems_{number}.csv", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        for row in rows:
            stage = row[0]
            cost = float(row[3]) if row[3] else None
            enterprises.append({"id": stage, "segment": stage.split("_")[0], "cost_rate": cost})
            ups = [c for c in row[len(header) - 1:] if c != ""]
            for supplier, units in zip(ups[::2], ups[1::2], strict=True):
                links.append({"supplier": supplier, "buyer": stage, "units": float(units)})
    return cg.read_chain(pd.DataFrame(enterprises), pd.DataFrame(links),
                         meta={"name": f"Willems chain {number}"})


chains = {n: load_willems(n) for n in index["chain"]}
chains["01"], chains["37"]
"""),
    md("## Single points of failure, bottlenecks and leaders across 19 industries"),
    code("""
rows = []
for number, chain in chains.items():
    summary = cg.structure_summary(chain)
    spof = cg.find_single_points_of_failure(chain)
    flow = cg.max_flow(chain)
    leaders = cg.find_leaders(chain, top=1)
    rows.append({
        "chain": number,
        "industry": index.set_index("chain").loc[number, "sic_description"][:40],
        "stages": chain.n_enterprises, "links": chain.n_links,
        "sources": summary["n_sources"], "final": summary["n_final"],
        "max_tier": summary["max_tier"],
        "spof_enterprises": int((spof["element"] == "enterprise").sum()),
        "spof_links": int((spof["element"] == "link").sum()),
        "max_flow": flow.value, "min_cut_size": len(flow.min_cut),
        "top_leader": leaders["enterprise"].iloc[0],
    })
table = pd.DataFrame(rows)
assert len(table) == 19
table
"""),
    md("Every single point of failure really cuts a final producer off from every source — "
       "checked here by brute force with networkx on one chain:"),
    code("""
import networkx as nx

chain = chains["09"]
G = chain.to_networkx()
sources = [v for v in G if G.in_degree(v) == 0 and G.out_degree(v) > 0]
finals = [v for v in G if G.out_degree(v) == 0 and G.in_degree(v) > 0]
spof = cg.find_single_points_of_failure(chain)
for enterprise in spof.loc[spof["element"] == "enterprise", "enterprise"]:
    H = G.copy()
    H.remove_node(enterprise)
    reached = set().union(*(nx.descendants(H, s) | {s} for s in sources if s in H))
    assert any(t not in reached for t in finals if t != enterprise), enterprise
print(len(spof), "single points of failure in chain 09, all confirmed")
"""),
    code("""
import matplotlib.pyplot as plt
from IPython.display import Image

fig, ax = plt.subplots(figsize=(9, 4))
share = table["spof_enterprises"] / table["stages"]
ax.bar(table["chain"], share, color="#c0392b")
ax.set_xlabel("Willems chain")
ax.set_ylabel("share of stages that are single points of failure")
ax.set_title("Fragility of 19 real supply chains")
fig.savefig(OUT / "willems_spof.png", dpi=110, bbox_inches="tight")
plt.close(fig)
Image(filename=str(OUT / "willems_spof.png"))
"""),
    md("A chain map of one chain (no template: columns are tiers, groups are stage classes):"),
    code("""
ax = cg.plotting.plot_chain_map(chains["05"], report=cg.diagnose(chains["05"]))
ax.figure.savefig(OUT / "willems_05_map.png", dpi=110, bbox_inches="tight")
plt.close(ax.figure)
Image(filename=str(OUT / "willems_05_map.png"))
"""),
    md("## Systemic risk of each stage\n\nESRI with stage classes as sectors and every input "
       "essential: which stage's failure takes most of the chain's output down?"),
    code("""
chain = chains["05"].with_tables(
    links=chains["05"].links.assign(volume=1.0))
risk = cg.find_systemic_risk(chain, essentiality="essential", top=5)
risk[["enterprise", "esri", "esri_downstream", "esri_upstream", "explanation"]]
"""),
]


INPUT_OUTPUT = [
    md("""
# 6. Input-output tables: key sectors, extraction and relatedness

When firm data is thin, a province's input-output table (投入产出表) says which sectors pull and
push the economy. This notebook reads a table in the layout statistical offices publish, finds
the key sectors (关键部门), extracts one sector hypothetically, and then feeds **relatedness
density** into a region's 补链/延链 candidates. The table is chaingraph's bundled example: a
**synthetic** 6-sector table of an invented province (every number is invented). Formulas and
conventions: the how-to page *Input-output tables and relatedness*.
"""),
    code("""
import chaingraph as cg
from chaingraph.algorithms.input_output import find_extraction, find_key_sectors

path = cg.datasets.example_io_table_path()
for line in path.read_text(encoding="utf-8").splitlines()[:4]:
    print(line)
"""),
    md("A title row, a unit row, subtotal columns (中间使用合计, 最终使用合计) and rows: "
       "`read_io_table` finds the sectors as the labels that are both row and column labels."),
    code("""
table = cg.read_io_table(path)
print(table)
print("sectors:", table.sectors.tolist())
print("final demand:", table.final_demand.tolist())
print("dropped subtotals:", table.meta["dropped"])
table.A.round(3)
"""),
    md("## Key sectors\n\nBackward linkage (power of dispersion, columns of L) and forward "
       "linkage (sensitivity of dispersion, rows of the Ghosh inverse G); a key sector has "
       "both above 1."),
    code("""
key = find_key_sectors(table)
assert key.loc[key["key_sector"] == "key", "sector"].tolist() == ["电力热力"]
print("key sectors:", key.loc[key["key_sector"] == "key", "sector"].tolist())
key[["sector", "key_sector", "backward_linkage", "forward_linkage", "output_multiplier"]].round(3)
"""),
    md("## Hypothetical extraction\n\nEvery sector at once (rank-one updates of one "
       "factorisation), then one sector by a direct solve: the two agree."),
    code("""
ext = find_extraction(table)
ext[["sector", "extraction_backward", "extraction_backward_share",
     "extraction_forward_share"]].round(3)
"""),
    code("""
after = table.extract("制造业")
lost = float((table.x - after).sum())
expected = float(ext.loc[ext["sector"] == "制造业", "extraction_backward"].iloc[0])
assert abs(lost - expected) < 1e-6 * lost
print(f"without 制造业's purchases the province loses {lost:,.0f} 亿元 of output "
      f"({lost / table.x.sum():.1%})")
(table.x - after).round(1)
"""),
    md("## Upstreamness and the sector chain"),
    code("""
indicators = cg.sector_indicators(table)
indicators[["sector", "upstreamness", "downstreamness", "key_sector"]].round(2)
"""),
    code("""
sectors = cg.sector_chain(table, threshold=0.05)
print(sectors)
cg.find_bottlenecks(sectors, top=3)[["enterprise", "kind", "score"]]
"""),
    md("""
## Relatedness into the 补链/延链 candidates

From the embedded example chain: enterprise counts by region and segment, revealed comparative
advantage, proximity and relatedness density (self-term excluded; always within [0, 1]). Passed
as `relatedness=`, density enters the candidate score as its own component,
`relatedness_density` (weight 0.20; `cg.diagnose` computes it from the chain's regions).
"""),
    code("""
chain = cg.load_example()
template = cg.load_template("nev")
region = chain.meta["focal_region"]
counts = cg.region_segment_table(chain)
density = cg.relatedness_density(counts)
assert ((density >= 0) & (density <= 1)).all().all()
related = cg.find_related_segments(chain, region=region)
related[~related["present"]].head(5)[["segment", "density", "rca", "explanation"]]
"""),
    code("""
default = cg.find_extension_candidates(chain, template=template, region=region)
with_density = cg.find_extension_candidates(chain, template=template, region=region,
                                            relatedness=density)
gaps = with_density[~with_density["kind"].str.startswith("强链")]
assert gaps["explanation"].str.contains("relatedness density").all()
print("top candidates, template relatedness:", default["segment"].head(3).tolist())
print("top candidates, relatedness density: ", with_density["segment"].head(3).tolist())
gaps[["segment", "kind", "relatedness", "relatedness_density", "score",
      "explanation"]].head(5)
"""),
]


REGIONS = [
    md("""
# 4. Regions and orderly industrial transfer

A province moves industry from its delta cities to its eastern, western and northern cities
(产业有序转移), through industrial parks and counterpart assistance (对口帮扶). This notebook
uses `cg.datasets.load_example_regions()`: the embedded **synthetic** example chain placed
in an invented province 东湾省 — a delta city 澄岚市 with four districts and three destination
cities 潮岭市 (east), 湛川市 (west) and 韶峰市 (north), each with a park. Every name is
invented.
"""),
    code("""
import chaingraph as cg
import matplotlib.pyplot as plt
from IPython.display import Image

chain = cg.datasets.load_example_regions()
nev = cg.load_template("nev")
chain.enterprises[["id", "name", "segment", "province", "city", "district", "park"]].head()
"""),
    md("## Every region's chain in one call\n\nAbroad (境外) and other provinces (省外) are "
       "buckets: reported, never ranked."),
    code("""
regions = cg.find_regions(chain, template=nev, level="city")
assert regions["kind"].tolist()[-2:] == ["abroad", "outside"]
regions[["region", "kind", "n_enterprises", "coverage", "local_supply_share",
         "n_single_points", "rung", "explanation"]]
"""),
    md("## The distribution map (产业分布图)"),
    code("""
fig, axes = plt.subplots(1, 2, figsize=(16, 5), width_ratios=[2, 1])
cg.plotting.plot_distribution(chain, template=nev, level="city", ax=axes[0])
cg.plotting.plot_geography(chain, geojson=cg.datasets.example_regions_geojson(),
                           level="city", ax=axes[1])
fig.savefig("regions_distribution.png", dpi=90, bbox_inches="tight")
plt.close(fig)
Image("regions_distribution.png")
"""),
    md("## Who supplies whom across regions (亿元)"),
    code("""
(cg.region_flow_matrix(chain, level="city") / 1e8).round(1)
"""),
    md("## Counterpart pairing\n\nFor 韶峰市's missing segments, which paired region could "
       "help (capacity, existing supply into 韶峰市, fit)?"),
    code("""
pairs = chain.meta["policy_pairs"]
cp = cg.find_counterparts(chain, template=nev, level="city", region="韶峰市", pairs=pairs,
                          per_gap=1)
assert set(cp["partner_region"]) == {"澄岚市"}
cp[["segment", "gap", "partner_region", "score", "explanation"]].head(8)
"""),
    md("## One transfer scenario\n\nMove 30% of the delta city's battery-pack capacity to "
       "韶峰高新区; links are split in the same proportion and kept."),
    code("""
result = cg.simulate_transfer(chain, segment="battery_pack", origin="澄岚市", share=0.3,
                              to="韶峰高新区", template=nev, level="city")
rows = result.regions.set_index("region")
assert abs(rows["output_change"].sum()) < 1e-3 * rows["output_before"].sum()
result.regions[["region", "output_before", "output_after", "segments_before",
                "segments_after", "breakpoints_closed", "breakpoints_opened", "explanation"]]
"""),
    code("""
result.benefits[["enterprise", "origin", "destination", "output", "origin_output",
                 "destination_output", "explanation"]]
"""),
    md("## A transfer plan\n\nCandidates: the enterprises of the delta's three other "
       "districts; destinations: the three parks with the output they can host; "
       "counterpart pairs district -> city. The plan closes destination gaps and keeps "
       "every origin's own chain intact."),
    code("""
parks = {p["park"]: p["capacity"] for p in chain.meta["parks"]}
ent = chain.enterprises
movers = ent.loc[ent["district"].isin(["澄东区", "岚西区", "临港区"]), "id"]
plan = cg.plan_transfer(chain, candidates=movers, destinations=parks,
                        pairs=chain.meta["district_pairs"], template=nev, level="city")
print(len(plan), "moves; objective", round(plan.attrs["objective"], 2))
plan.attrs["destinations"]
"""),
    code("""
plan[["enterprise", "segment", "origin", "destination", "closes_gap", "score",
      "explanation"]].head(10)
"""),
]


def main() -> None:
    for name, cells in (("01_quickstart", QUICKSTART), ("02_your_own_data", OWN_DATA),
                        ("03_willems_real_chains", WILLEMS),
                        ("04_regions", REGIONS), ("06_input_output", INPUT_OUTPUT)):
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
