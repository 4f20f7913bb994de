"""Find a font that can draw Chinese, so chain maps never show empty boxes (tofu).

Search order: fonts already known to matplotlib (system fonts such as Noto Sans CJK
SC, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang SC), then the font
bundled with chaingraph: "Chaingraph Sans SC", a subset of Noto Sans CJK SC Regular
(SIL Open Font License 1.1; licence text in ``chaingraph/plotting/assets/OFL.txt``)
covering all of GB 2312 plus every character of the package's templates, example and
labels, registered with matplotlib's font manager on first use. The font is used inside
a ``rc_context`` only, so the user's other plots are not changed.

``CHAINGRAPH_IGNORE_SYSTEM_FONTS=1`` skips the system fonts (to test the bundled one).
"""

from __future__ import annotations

import functools
import warnings
from importlib import resources

from chaingraph._env import env_flag

__all__ = ["BUNDLED_CJK_FONT", "CJK_FONT_NAMES", "CJKFontWarning", "cjk_font"]

#: Family names tried, best first (all draw Simplified Chinese).
CJK_FONT_NAMES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", "SimHei", "Heiti SC", "STHeiti",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Arial Unicode MS", "Droid Sans Fallback",
)
#: Family name of the bundled subset font (file in ``chaingraph/plotting/assets``).
BUNDLED_CJK_FONT = "Chaingraph Sans SC"
_BUNDLED_FILE = "ChaingraphSansSC-Regular.otf"

_HELP = ("no font that can draw Chinese was found (the font bundled with chaingraph, "
         f"{_BUNDLED_FILE}, is missing from this installation), so Chinese labels would "
         "show as empty boxes. Reinstall chaingraph, or install a system font such as "
         "`apt-get install fonts-noto-cjk` (Debian/Ubuntu), then restart Python")


class CJKFontWarning(UserWarning):
    """No installed font can draw Chinese text; labels may show as boxes."""


def _ignore_system() -> bool:
    return env_flag("CHAINGRAPH_IGNORE_SYSTEM_FONTS") is True


def _known_family(names: tuple[str, ...]) -> str | None:
    if _ignore_system():
        return None
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in names if name in available), None)


def _bundled_family() -> str | None:
    path = resources.files("chaingraph.plotting") / "assets" / _BUNDLED_FILE
    if not path.is_file():
        return None
    from matplotlib import font_manager

    with resources.as_file(path) as real:
        if not any(f.fname == str(real) for f in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(str(real))
        return font_manager.FontProperties(fname=str(real)).get_name()


@functools.lru_cache(maxsize=1)
def _find() -> str | None:
    return _known_family(CJK_FONT_NAMES) or _bundled_family()


def cjk_font(*, warn: bool = True) -> str | None:
    """Family name of a font that draws Chinese, or None (with a warning) if none.

    A system CJK font when one is installed, else the bundled "Chaingraph Sans SC"
    (a Noto Sans CJK SC subset, OFL 1.1), so a plain installation always has one.

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
    >>> isinstance(cjk_font(warn=False), str)
    True
    """
    family = _find()
    if family is None and warn:
        warnings.warn(_HELP, CJKFontWarning, stacklevel=3)
    return family
