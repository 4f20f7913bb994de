"""Build the bundled CJK font: a subset of Noto Sans CJK SC Regular (SIL OFL 1.1).

Build-time tool only (needs fontTools, which matplotlib already depends on); the
package never imports it. Usage::

    python tools/subset_cjk_font.py SOURCE.otf

SOURCE is Noto Sans CJK SC Regular (Adobe/Google, OFL 1.1) from Debian's
``fonts-noto-cjk`` (``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``, font
number 2) or from https://github.com/notofonts/noto-cjk (``NotoSansCJKsc-Regular.otf``,
also shipped by the PyPI package ``mplfonts``). The subset keeps ASCII, Latin-1, general
punctuation, CJK symbols and full-width forms, all 7,445 characters of GB 2312, and every
character that appears in the package's own text (templates, embedded example, labels),
and drops hinting. The family is renamed (a Modified Version under the OFL), and the
licence is written beside it as ``OFL.txt``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "chaingraph" / "plotting" / "assets"
OUT = ASSETS / "ChaingraphSansSC-Regular.otf"
FAMILY = "Chaingraph Sans SC"
PS_NAME = "ChaingraphSansSC-Regular"


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((hi, lo)).decode("gb2312"))
    return chars


def package_text() -> set[str]:
    chars: set[str] = set()
    for path in (ROOT / "chaingraph").rglob("*"):
        if path.suffix in {".py", ".yaml", ".csv", ".json", ".js"} and path.is_file():
            chars |= set(path.read_text(encoding="utf-8", errors="ignore"))
    return chars


def wanted() -> set[str]:
    ranges = [(0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x2070), (0x2100, 0x2200),
              (0x2460, 0x2500), (0x3000, 0x3040), (0xFF00, 0xFFF0)]
    chars = {chr(c) for lo, hi in ranges for c in range(lo, hi)}
    return chars | gb2312() | {c for c in package_text() if ord(c) >= 0x20}


def main(source: str) -> None:
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = False
    options.layout_features = ["ccmp", "kern", "palt"]  # horizontal text
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(source, fontNumber=2 if source.endswith(".ttc") else -1)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(ord(c) for c in wanted()))
    sub.subset(font)
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 16, 17, 18, 21, 22):
            name.removeNames(nameID=rec.nameID)
    for nid, text in ((1, FAMILY), (3, f"{PS_NAME};chaingraph subset"), (4, f"{FAMILY}"),
                      (6, PS_NAME)):
        name.setName(text, nid, 3, 1, 0x409)
        name.setName(text, nid, 1, 0, 0)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(
        "Subset of Noto Sans CJK SC Regular (OFL 1.1) made by chaingraph's "
        "tools/subset_cjk_font.py: GB 2312 plus the package's own characters.", 5, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [PS_NAME]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = FAMILY, FAMILY
    tmp = OUT.with_suffix(".tmp")
    font.save(tmp)
    os.replace(tmp, OUT)
    print(f"{OUT}: {OUT.stat().st_size / 1e6:.2f} MB, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
