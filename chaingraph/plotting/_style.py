"""Shared look of chaingraph plots: colours, the plotting context, saving figures."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from chaingraph.plotting._fonts import cjk_font

__all__ = ["COLORS", "STAGE_LABELS", "plot_context", "save_figure"]

#: Colours used throughout (colour-blind friendly where it matters).
COLORS = {
    "upstream": "#4C78A8", "midstream": "#F58518", "downstream": "#54A24B",
    None: "#9D9D9D", "focal": "#1F4E79", "outside": "#9D9D9D",
    "missing": "#D62728", "spof": "#D62728", "cut": "#FF7F0E",
    "leader": "#7B3294", "link": "#8C8C8C", "box": "#F7F7F7",
    "box_edge": "#BDBDBD", "band": ("#EAF1F8", "#FDF1E6", "#EDF6EC"),
}
STAGE_LABELS = {"upstream": "上游 upstream", "midstream": "中游 midstream",
                "downstream": "下游 downstream"}
#: Qualitative palette for regions and other categories.
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#9467BD", "#8C564B", "#E377C2",
           "#17BECF", "#BCBD22", "#7F7F7F", "#AEC7E8", "#FFBB78", "#98DF8A")


@contextlib.contextmanager
def plot_context(**rc: Any) -> Iterator[None]:
    """Matplotlib settings for chaingraph plots (a CJK font), undone on exit.

    Examples
    --------
    >>> from chaingraph.plotting import plot_context
    >>> with plot_context():
    ...     pass
    """
    import matplotlib

    family = cjk_font()
    settings: dict[str, Any] = {"axes.unicode_minus": False, "svg.fonttype": "path",
                                "pdf.fonttype": 42}
    if family is not None:
        # concrete names (not the generic "sans-serif"): text created here keeps the
        # CJK font even when the figure is saved outside this context
        settings["font.family"] = [family, "DejaVu Sans"]
    settings.update(rc)
    with matplotlib.rc_context(settings):
        yield


def cjk_ticks(ax: Any) -> Any:
    """Give ``ax``'s tick labels, title and axis labels the CJK font.

    An Axes a user made outside :func:`plot_context` already holds its title and
    axis-label texts, and creates tick labels when drawn, all with the settings in
    force then: without this they would draw Chinese as boxes.
    """
    family = cjk_font(warn=False)
    if family is not None:
        ax.tick_params(labelfontfamily=family)
        titles = [getattr(ax, name, None) for name in ("_left_title", "_right_title")]
        for text in (ax.title, *titles, ax.xaxis.label, ax.yaxis.label):
            if text is not None:
                text.set_fontfamily([family, "DejaVu Sans"])
    return ax


def save_figure(fig: Any, path: str | os.PathLike, /, *, dpi: int = 200,
                colors: int | None = None, **kwargs: Any) -> Path:
    """Save a figure as PNG, SVG or PDF (chosen by the file extension).

    Chinese text is drawn with the CJK font found by :func:`cjk_font`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (``ax.figure`` for an Axes).
    path : str or PathLike
        Ending in ``.png``, ``.svg`` or ``.pdf``.
    dpi : int, default 200
        Resolution for PNG.
    colors : int, optional
        PNG only: an indexed-colour PNG of at most this many colours (2-256), chosen
        by Pillow's maximum-coverage quantizer (its fast octree one for a figure
        with transparency, the only one of Pillow's that keeps it). A chart of flat
        colours looks the same (white stays white; a colour moves by a few levels
        of 255 at most) in about a quarter of the bytes, saved in about the same
        time, with one more copy of the image in memory while its colours are
        chosen.
    **kwargs
        Passed to ``Figure.savefig``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        For another extension, or ``colors`` outside 2-256 or not for a PNG.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ax = cg.plotting.plot_chain_map(cg.datasets.load_example(), max_enterprises=10)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cg.plotting.save_figure(ax.figure, pathlib.Path(tmp) / "map.svg").suffix
    '.svg'
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"save_figure writes .png, .svg or .pdf, got {path.name!r}")
    if colors is not None and (path.suffix.lower() != ".png" or not 2 <= colors <= 256):
        raise ValueError(f"colors={colors!r}: an indexed-colour PNG has 2 to 256 "
                         f"colours (and is a .png file, not {path.suffix!r})")
    kwargs.setdefault("bbox_inches", "tight")
    if path.suffix.lower() == ".png":
        kwargs.setdefault("metadata", {"Software": None})
    elif path.suffix.lower() == ".svg":
        kwargs.setdefault("metadata", {"Date": None})
    else:
        kwargs.setdefault("metadata", {"CreationDate": None})
    once = path.suffix.lower() == ".png" and kwargs["bbox_inches"] is None
    with plot_context(), (_laid_out(fig, dpi) if once else contextlib.nullcontext()):
        from chaingraph._atomic import atomic_path

        with atomic_path(path) as tmp:
            if colors is None:
                fig.savefig(tmp, dpi=dpi, format=path.suffix.lower().lstrip("."),
                            **kwargs)
            else:
                _indexed_png(fig, tmp, dpi, colors, kwargs)
    return path


def _indexed_png(fig: Any, path: Path, dpi: float, colors: int,
                 kwargs: dict[str, Any]) -> None:
    """``savefig`` to an indexed-colour PNG: the figure is rendered once to RGBA
    pixels, quantized, and encoded by Pillow. The pixels are the Agg renderer's own
    buffer, not a copy (:class:`_Pixels`)."""
    from PIL import Image

    pixels = _Pixels()
    options = {k: v for k, v in kwargs.items() if k not in ("metadata", "pil_kwargs")}
    fig.savefig(pixels, dpi=dpi, format="rgba", **options)
    # the pixels' shape is the Agg renderer's that drew them, checked by their size
    renderer = getattr(fig.canvas, "renderer", None)
    data = pixels.data()
    shape = np.shape(renderer.buffer_rgba()) if hasattr(renderer, "buffer_rgba") else ()
    if len(shape) == 3 and shape[0] * shape[1] * 4 == len(data):
        image = Image.frombuffer("RGBA", (shape[1], shape[0]), data, "raw", "RGBA", 0, 1)
    else:  # another canvas: the pixels of a PNG stored without compression
        buffer = io.BytesIO()
        fig.savefig(buffer, dpi=dpi, format="png", pil_kwargs={"compress_level": 0},
                    **options)
        image = Image.open(buffer)
        image.load()
    del data, pixels
    if image.getextrema()[3][0] == 255:  # opaque: a palette without transparency
        image = image.convert("RGB")
        method = Image.Quantize.MAXCOVERAGE  # white stays white (the octree averages)
    else:
        method = Image.Quantize.FASTOCTREE  # the one of Pillow's that keeps alpha
    image.quantize(colors, method=method).save(path, format="png", compress_level=3)


class _Pixels(io.RawIOBase):
    """A write-only file that keeps what is written without copying it (``savefig``
    to ``format="rgba"`` writes the renderer's buffer in one call)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[Any] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._parts.append(view)
        return len(view)

    def data(self) -> Any:
        """The bytes written: the one buffer as it was written, else joined."""
        return self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)


@contextlib.contextmanager
def _laid_out(fig: Any, dpi: float) -> Iterator[None]:
    """The figure's layout engine run once at ``dpi``, then off while saving.

    With a layout engine, ``savefig`` draws the whole figure twice: once (without
    rendering) to run the engine, then for real. Running the engine here, at the
    resolution of the file and with the same (Agg) renderer, gives the same
    positions, so the saved image is the same with one draw. The engine and the
    resolution are restored afterwards.
    """
    import matplotlib

    engine = fig.get_layout_engine()
    if engine is None or not fig.axes:
        yield
        return
    old_dpi = fig.dpi
    fig.dpi = dpi
    try:
        engine.execute(fig)
        with matplotlib.rc_context({"figure.autolayout": False,
                                    "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
        try:
            yield
        finally:
            fig.set_layout_engine(engine)
    finally:
        fig.dpi = old_dpi
