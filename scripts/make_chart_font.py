"""Cut the charts' CJK font from Noto Sans CJK SC: python scripts/make_chart_font.py SOURCE.otf.

The subset holds all of GB2312 (its symbols, level-1 and level-2 hanzi: place names use level 2),
printable ASCII and Latin-1, and every character the catalogs and the shipped plans write, so a
chart in either language renders with this one 1.5 MB file. It is renamed (OFL: a Modified
Version), and bot/export/fonts/OFL.txt carries the licence.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "bot" / "export" / "fonts" / "YuqingSansSC-Regular.otf"
FAMILY = "Yuqing Sans SC"
POSTSCRIPT = "YuqingSansSC-Regular"
NOTE = "Subset of Noto Sans CJK SC (GB2312, ASCII, Latin-1) for the charts of yuqing-bot"


def gb2312() -> set[str]:
    """Every character GB2312 encodes: rows 1-9 (symbols) and 16-87 (hanzi, both levels)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def shipped_text() -> set[str]:
    """The CJK characters of the message catalogs and the shipped plans."""
    files = [*(ROOT / "locales").rglob("*.po"), *(ROOT / "plans").rglob("*.yaml")]
    text = "".join(path.read_text(encoding="utf-8") for path in files)
    return {char for char in text if 0x2E80 <= ord(char) <= 0xFFEF}


def characters() -> set[str]:
    """What the subset covers."""
    latin = {chr(code) for code in [*range(0x20, 0x7F), *range(0xA0, 0x100)]}
    return gb2312() | shipped_text() | latin


def rename(font: TTFont) -> None:
    """Give the subset its own name, so it is never mistaken for the full font."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (16, 17):
            names.removeNames(nameID=record.nameID)
    for name_id, value in ((1, FAMILY), (3, POSTSCRIPT), (4, FAMILY), (6, POSTSCRIPT)):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    names.setName(NOTE, 10, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FamilyName, top.FullName = FAMILY, FAMILY


def main(source: str) -> None:
    """Write the subset beside the charts' code."""
    options = subset.Options()
    options.layout_features = []  # horizontal labels only: no vertical forms or ligatures
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(char) for char in characters()))
    subsetter.subset(font)
    rename(font)
    font.save(str(TARGET))
    print(f"{TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
