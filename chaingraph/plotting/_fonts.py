"""Find a font that can draw Chinese, so chain maps never show empty boxes (tofu).

Search order: fonts already known to matplotlib (system fonts such as Noto Sans CJK
SC, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang SC), then the Noto
Sans CJK SC file bundled by the optional PyPI package ``mplfonts`` (extra
``chaingraph[cjk]``). The font is used inside a ``rc_context`` only, so the user's
other plots are not changed.
"""

from __future__ import annotations

import functools
import warnings
from importlib import resources

__all__ = ["CJK_FONT_NAMES", "CJKFontWarning", "cjk_font"]

#: Family names tried, best first (all draw Simplified Chinese).
CJK_FONT_NAMES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", "SimHei", "Heiti SC", "STHeiti",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Arial Unicode MS", "Droid Sans Fallback",
)
#: Files tried from the ``mplfonts`` package (OFL-licensed Noto fonts only).
_MPLFONTS_FILES = ("NotoSansCJKsc-Regular.otf",)

_HELP = ("no font that can draw Chinese was found, so Chinese labels would show as "
         "empty boxes. Install one: `pip install \"chaingraph[cjk]\"` (bundles Noto "
         "Sans CJK SC via mplfonts), or `apt-get install fonts-noto-cjk` (Debian/"
         "Ubuntu), then restart Python")


class CJKFontWarning(UserWarning):
    """No installed font can draw Chinese text; labels may show as boxes."""


def _known_family(names: tuple[str, ...]) -> str | None:
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in names if name in available), None)


def _mplfonts_family() -> str | None:
    try:
        folder = resources.files("mplfonts") / "fonts"
    except (ModuleNotFoundError, TypeError):
        return None
    from matplotlib import font_manager

    for filename in _MPLFONTS_FILES:
        path = folder / filename
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    return None


@functools.lru_cache(maxsize=1)
def _find() -> str | None:
    return _known_family(CJK_FONT_NAMES) or _mplfonts_family()


def cjk_font(*, warn: bool = True) -> str | None:
    """Family name of a font that draws Chinese, or None (with a warning) if none.

    Parameters
    ----------
    warn : bool, default True
        Emit a :class:`CJKFontWarning` explaining how to install a font when none
        is found.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from chaingraph.plotting import cjk_font
    >>> isinstance(cjk_font(warn=False), (str, type(None)))
    True
    """
    family = _find()
    if family is None and warn:
        warnings.warn(_HELP, CJKFontWarning, stacklevel=3)
    return family
