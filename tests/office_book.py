"""A chain office's workbook as offices keep them (invented names), for loading tests.

Seven enterprises with 统一社会信用代码 and 企业名称, segments spelled the office's way
(模组, 驱动IC, FPC), one blank segment and output, amounts in 万元 (a unit row), a
merged title row, a 合计 row and a 注 row; a link sheet naming enterprises by name,
with one outside supplier not in the list; and a sheet that is neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

TITLE = "XX区新型显示产业链重点企业名单（2024年度）"
HEADER = ["序号", "统一社会信用代码", "企业名称", "所属环节", "所在区域", "年产值"]
ENTERPRISES = [
    (1, "91440300MA5A000001", "华星面板", "LCD面板", "XX区", 500000),
    (2, "91440300MA5A000002", "深显模组", "模组", "XX区", 120000),
    (3, "91440300MA5A000003", "芯驱科技", "驱动IC", "XX区", 30000),
    (4, "91440300MA5A000004", "柔联电路", "FPC", "XX区", 20000),
    (5, "91440300MA5A000005", "明光玻璃", "玻璃基板", "邻区", 80000),
    (6, "91440300MA5A000006", "未分类科技", None, "XX区", None),
    (7, "91440300MA5A000007", "智屏终端", "智能手机", "XX区", 900000),
]
SEGMENT_IDS = ["lcd_panel", "display_module", "driver_ic", "flexible_circuits",
               "glass_substrate", None, "smartphones"]
LINKS = [("华星面板", "深显模组", 100000), ("芯驱科技", "深显模组", 9000),
         ("柔联电路", "深显模组", 5000), ("深显模组", "智屏终端", 110000),
         ("明光玻璃", "华星面板", 40000), ("境外偏光片公司", "华星面板", 30000)]
OUTSIDE = ["境外偏光片公司"]


def write_office_book(path: Path, *, title_rows: int = 1, unit_row: bool = True,
                      blank_rows: int = 1, total: bool = True, note: bool = True,
                      merged: bool = True, enterprise_sheet: str = "重点企业名单",
                      link_sheet: str | None = "供应关系", other_sheet: str | None = "说明",
                      ) -> dict[str, Any]:
    """Write the workbook; return what loading it must give."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = enterprise_sheet
    row = 0
    for k in range(title_rows):
        sheet.append([TITLE if k == 0 else f"填报单位：XX区工业和信息化局（第{k}页）"])
        row += 1
        if merged:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
    if unit_row:
        sheet.append([None, None, None, None, None, "单位：万元"])
        row += 1
    for _ in range(blank_rows):
        sheet.append([])
        row += 1
    sheet.append(HEADER)
    row += 1
    header_row = row
    for values in ENTERPRISES:
        sheet.append(list(values))
        row += 1
    dropped = []
    if total:
        sheet.append([None, "合计", None, None, None,
                      sum(v[5] or 0 for v in ENTERPRISES)])
        row += 1
        dropped.append((row, "total"))
    if note:
        sheet.append(["注：产值为2024年数据，来源：区统计局"])
        row += 1
        dropped.append((row, "note"))
    if link_sheet is not None:
        links = book.create_sheet(link_sheet)
        links.append(["供应商", "采购方", "金额（万元）"])
        for values in LINKS:
            links.append(list(values))
    if other_sheet is not None:
        other = book.create_sheet(other_sheet)
        other.append(["本表由区工信局整理，仅供内部使用"])
    book.save(path)
    factor = 1e4 if unit_row else 1.0
    return {"name": TITLE if title_rows else None, "header_row": header_row,
            "dropped": dropped, "n_enterprises": len(ENTERPRISES),
            "outputs": [None if v[5] is None else v[5] * factor for v in ENTERPRISES],
            "n_links": len(LINKS) if link_sheet is not None else 0,
            "ignored": [other_sheet] if other_sheet is not None else []}
