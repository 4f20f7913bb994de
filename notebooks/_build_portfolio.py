"""Write notebook 05 (a district's portfolio of chains) from the cell sources below.

Run ``python notebooks/_build_portfolio.py`` after editing (outputs stripped); CI
executes the notebook (tests/test_portfolio_notebook.py) and checks its outputs.
Kept apart from ``_build.py`` so that the notebooks of other areas merge cleanly.
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


PORTFOLIO = [
    md("""
# 5. A district's chains: portfolio, echelon plan and the yearly review

A district runs many chains under one chain chief system (链长制: 总链长 + 链长 + 链主企业 +
链长办), with one echelon plan across them, one enterprise pool, one dossier per chain
("one chain, one policy") and a three-year plan reviewed every year. This notebook walks
through those questions on chaingraph's **synthetic** example portfolio: six chains of the
invented district 明湾示范区 (every enterprise and number is invented), for 2024 and 2025.
"""),
    code("""
import chaingraph as cg
from chaingraph.algorithms.portfolio import (
    find_portfolio, find_echelon_plan, find_plan_progress)
from chaingraph.algorithms.pool import (
    find_enterprise_pool, find_shared_enterprises, find_size_structure)
from chaingraph.algorithms.compare import find_changes, summarize_changes

P24 = cg.datasets.load_example_portfolio(2024)
P25 = cg.datasets.load_example_portfolio(2025)
P24, P25
"""),
    md("The chain metadata: template, governance and the three-year targets of each chain."),
    code("""
P24.chain_table[["chain", "template", "chief", "office", "leaders", "targets"]]
"""),
    md("""
## The portfolio table

One row per chain, with the **quality-and-efficiency index** (质效指数) for directing
resources: a weighted mean of scale (0.30), template completeness (0.25), local supply
(0.25), innovation (0.20: share of members tagged 高新技术企业 or 专精特新) and, given
last year's portfolio, growth (0.20). Each part is its own column.
"""),
    code("""
table = find_portfolio(P25, previous=P24)
table[["chain", "output", "rung", "coverage", "n_breakpoints", "top_candidate",
       "local_supply_share", "growth", "qe_index"]].round(3)
"""),
    code("""
print(table["explanation"][0])
"""),
    md("## The echelon plan: one chain above 2000亿, four above 100亿, ten above 10亿"),
    code("""
for year, P in ((2024, P24), (2025, P25)):
    plan = find_echelon_plan(P, targets="2000亿:1,100亿:4,10亿:10")
    print(year)
    for text in plan["explanation"]:
        print("  ", text)
"""),
    code("""
import matplotlib.pyplot as plt
from IPython.display import Image

ax = cg.plotting.plot_echelon_plan(P25)
ax.figure.savefig("portfolio_ladder.png", dpi=110, bbox_inches="tight")
plt.close(ax.figure)
Image("portfolio_ladder.png")
"""),
    md("## The enterprise pool and the enterprises shared by chains"),
    code("""
pool = find_enterprise_pool(P25)
pool[["enterprise", "name", "chains", "roles", "size", "tags"]].head(8)
"""),
    code("""
shared = find_shared_enterprises(P25)
print(f"{(shared['kind'] == 'shared member').sum()} enterprises sit in two chains; "
      f"{(shared['kind'] == 'cross-chain link').sum()} trade across chains")
shared[["name", "chains", "linked_chains", "kind", "explanation"]].head(8)
"""),
    code("""
find_size_structure(P25)[["chain", "n_large", "n_medium", "n_small", "n_micro",
                          "large_output_share"]].round(2)
"""),
    code("""
ax = cg.plotting.plot_portfolio_map(P25)
ax.figure.savefig("portfolio_map.png", dpi=110, bbox_inches="tight")
plt.close(ax.figure)
Image("portfolio_map.png")
"""),
    md("""
## The yearly review: what changed since 2024

Enterprises are matched by id, then by exact name. The automotive-chip maker that opened in
2025 fills the 新能源汽车 chain's missing segment: that breakpoint is closed.
"""),
    code("""
changes = find_changes(P24.chain("新能源汽车"), P25.chain("新能源汽车"),
                       template="nev", region="明湾示范区")
summary = summarize_changes(changes)
print("breakpoints closed:", [(b["kind"], b["segment"]) for b in summary["breakpoints_closed"]])
print("enterprises added:", summary["enterprises_added"])
changes[["kind", "item", "explanation"]].head(8)
"""),
    code("""
everything = cg.compare_portfolios(P24, P25)
everything.query("kind in ['rung_changed', 'output_growth']")[
    ["chain", "kind", "explanation"]]
"""),
    md("## Progress against the three-year plan"),
    code("""
progress = find_plan_progress(P25)
for text in progress["explanation"]:
    print(text)
"""),
    md("""
## One dossier per chain

`chaingraph portfolio ENTERPRISES LINKS --chains chains.csv --out DIR` (or
`chaingraph.dossier.diagnose_portfolio` + `write_portfolio_report`) writes the overview and a
folder per chain with its full diagnosis, map, governance and key findings.
"""),
    code("""
from chaingraph.dossier import diagnose_portfolio, write_portfolio_report

report = diagnose_portfolio(P25, previous=P24)
files = write_portfolio_report(report, "portfolio_dossier")
print(len(files), "files;", sorted({p.parent.name for p in files if p.name == "dossier.md"}))
print(open("portfolio_dossier/chains/新能源汽车/dossier.md", encoding="utf-8").read()[:600])
"""),
]


def main() -> None:
    nb = new_notebook(cells=PORTFOLIO, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, HERE / "05_portfolio.ipynb")


if __name__ == "__main__":
    main()
