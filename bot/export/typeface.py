"""The charts' fonts: a shipped CJK subset first, then any system CJK font, then DejaVu Sans.

The subset (bot/export/fonts, cut from Noto Sans CJK SC by scripts/make_chart_font.py, OFL) covers
all of GB2312, so Chinese renders the same on any machine; matplotlib falls back glyph by glyph to
the installed system CJK fonts listed here for a rarer character, and to DejaVu Sans last.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

FONT_FILE = "YuqingSansSC-Regular.otf"
SYSTEM_CJK = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
)
_KEEP = ExitStack()  # the font must stay on disk while matplotlib reads it lazily


@cache
def font_path() -> Path:
    """The shipped subset's file, registered with matplotlib."""
    path = _KEEP.enter_context(
        resources.as_file(resources.files(__package__) / "fonts" / FONT_FILE)
    )
    font_manager.fontManager.addfont(str(path))
    return path


@cache
def families() -> list[str]:
    """The font families to draw text with, in order of preference (only installed ones)."""
    shipped = font_manager.FontProperties(fname=str(font_path())).get_name()
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return [shipped, *(name for name in SYSTEM_CJK if name in installed), "DejaVu Sans"]


@contextmanager
def cjk_text() -> Iterator[None]:
    """Within: text drawn with the CJK fonts (the settings are restored after)."""
    with rc_context({"font.family": families(), "axes.unicode_minus": False}):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure (no pyplot state) whose texts use the CJK fonts."""
    return Figure(figsize=(width, height), dpi=120, layout="constrained")


def empty_state(axis: Axes, text: str) -> None:
    """An axis that says there is nothing to show, instead of blank axes."""
    axis.set_axis_off()
    axis.text(0.5, 0.5, text, ha="center", va="center", fontsize=16, color="#7f8c8d")


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
