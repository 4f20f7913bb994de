"""The CLI's output folder: every report file or none (used by :mod:`chaingraph.cli`).

The folder is built under a temporary name in the same parent and renamed at the end;
an existing folder is replaced only then. Any failure (or Ctrl-C) removes the
temporary folder and leaves the previous one as it was.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from chaingraph._map_process import MapProcess, draw_png
from chaingraph._memory import LARGE_PROCESS_BYTES, release_free_memory
from chaingraph._report_render import skip_text
from chaingraph._report_tables import table_files, write_tables

__all__ = ["print_summary", "write_folder"]

#: Files of the output folder, besides ``tables/``.
FILES = ("report.md", "report.html", "report.xlsx", "report.json", "map.png", "map.html")


def _start_png(report: Any, folder: Path, lang: str, helper: MapProcess | None
               ) -> tuple[Callable[[], bytes | None], dict[str, Any] | None]:
    """Start map.png in the helper process when there is one; returns the wait for
    its bytes (which draws it here when there is none) and the map options for
    map.html (None: maps skipped with a note when plotting is unavailable)."""
    try:
        from chaingraph.plotting import map_scene
    except ImportError as error:
        print(f"chaingraph: note: maps not written ({error})", file=sys.stderr)
        return (lambda: None), None
    options = {"template": report.template, "report": report,
               "region": report.summary.get("region"), "lang": lang}
    scene = map_scene(report.chain, **options)
    # the scene's working arrays, before the helper draws (a large process only)
    release_free_memory(above=LARGE_PROCESS_BYTES)
    png = folder / "map.png"
    sent = helper is not None and helper.submit(scene, png)

    def wait() -> bytes:
        # drawn here when there is no helper (or it failed): after the table writer
        # has started, beside it. A helper that gave no answer is stopped first: a
        # late one would write map.png (or its temporary file) into the folder
        # while it is listed and renamed
        if not sent or not helper.result():
            if sent:
                helper.close(kill=True)
            draw_png(scene, png)
        return png.read_bytes()

    return wait, options


def _fill(report: Any, folder: Path, lang: str, helper: MapProcess | None = None
          ) -> None:
    """Every file of the folder. map.png is drawn by the helper process when there
    is one, from a scene sent before anything else is written (on a chain of
    100,000 enterprises or fewer its drawing is the last file to be ready); the
    full tables are written by a second thread while this one renders the
    reports: Parquet encoding and compression run without the GIL, so on two cores
    they cost little wall time. The writer starts at once with the analyses' own
    tables, then writes the key findings and the minimum cut's two tables once this
    thread has built them (:func:`_write_all`): at 500,000 enterprises it had
    started 0.4 s later and ended 0.3 s after the reports; at a million, where it
    had started once those were built, it ended 0.7-2 s after them (the early start
    costs about 30 MiB at the peak). The files are the same as written one after
    the other. A helper put off until now (a large chain) is started first.

    Memory the analyses freed is given back to the system before the helper starts
    (:func:`~chaingraph._memory.release_free_memory`) by a process that holds
    :data:`~chaingraph._memory.LARGE_PROCESS_BYTES`: on a million-enterprise chain
    it is 200-250 MB, which the helper and the writers would otherwise sit on top of.
    """
    release_free_memory(above=LARGE_PROCESS_BYTES)
    if helper is not None:
        helper.begin()  # it starts up while the scene and the tables are built
    own = report.tables()
    files = table_files(["key_findings", *own, "min_cut_pairs", "min_cut"],
                        folder / "tables")
    stop, derived = threading.Event(), Future()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chaingraph-tables") as pool:
        try:
            written = pool.submit(_write_all, own, derived, folder / "tables", stop)
            png, map_options = _start_png(report, folder, lang, helper)
            tables = report.full_tables()  # key findings and the cut, computed here once
            derived.set_result({name: tables[name] for name in files if name not in own})
            release_free_memory(above=LARGE_PROCESS_BYTES)  # the cut's working arrays
            if map_options is not None:
                from chaingraph.plotting import write_html_map

                write_html_map(report.chain, folder / "map.html", **map_options)
            (folder / "report.md").write_text(report.to_markdown(lang=lang, files=files),
                                              encoding="utf-8")
            report.write_json(folder / "report.json", lang=lang)
            report.to_excel(folder / "report.xlsx", lang=lang, files=files)
            (folder / "report.html").write_text(
                report.to_html(lang=lang, files=files, map_png=png()), encoding="utf-8")
        except BaseException:
            stop.set()  # the writer stops after its current table; waited for below
            derived.cancel()
            raise
        if written.result() != files:  # raises what the writer raised
            raise RuntimeError(f"tables written {written.result()} != {files}")


def _write_all(own: dict[str, Any], derived: Future, folder: Path,
               stop: threading.Event) -> dict[str, str]:
    """The writer's thread: the analyses' tables, then those ``derived`` gives (none
    when it is cancelled: the caller failed), stopping early once ``stop`` is set."""
    written = write_tables(own, folder, cancelled=stop.is_set)
    try:
        more = derived.result()
    except CancelledError:
        return written
    written.update(write_tables(more, folder, cancelled=stop.is_set))
    return {name: written[name] for name in ["key_findings", *own, *more]
            if name in written}


def write_folder(report: Any, out: Path, lang: str | None = None,
                 helper: MapProcess | None = None) -> list[Path]:
    """Write the report folder atomically; returns the files written.

    ``helper``, a started :class:`~chaingraph._map_process.MapProcess`, draws
    map.png while this process writes the rest (the same file either way)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out}: exists and is not a folder")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o777 & ~mask)
        _fill(report, tmp, lang or report.lang, helper)
        names = sorted(p.relative_to(tmp) for p in tmp.rglob("*")
                       if p.is_file() and not p.name.startswith("."))  # no temporaries
        if out.exists():
            old = parent / f".{out.name}-old-{uuid.uuid4().hex[:8]}"
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        if helper is not None:  # it may still be drawing into the folder
            helper.close(kill=True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / name for name in names]


def print_summary(report: Any, written: list[Path], lang: str | None = None) -> None:
    """The printed summary: key findings first, then the counts and the files."""
    lang = lang or report.lang
    zh = lang == "zh"
    s = report.summary
    names = report.names(lang)
    n_focal = f"{s['n_focal']:,}" if isinstance(s.get("n_focal"), int) else s.get("n_focal")
    focal = (f"，本区（{s['region']}）{n_focal} 家" if zh else
             f"; {n_focal} in {s['region']}") if s.get("region") else ""
    colon = "：" if zh else ": "
    print(f"{s.get('chain_name') or ('产业链' if zh else 'chain')}{colon}"
          + (f"{s.get('n_enterprises'):,} 家企业，{s.get('n_links'):,} 条供应关系{focal}"
             if zh else f"{s.get('n_enterprises'):,} enterprises, "
             f"{s.get('n_links'):,} links{focal}"))
    print("重点问题：" if zh else "Key findings:")
    for row in report.key_findings_in(lang).itertuples(index=False):
        print(f"  {row.rank}. [{row.category_label}] {row.explanation}")
    sep = "，" if zh else ", "
    for key, title in (("breakpoints_by_kind", "断点" if zh else "breakpoints (断点)"),
                       ("bottlenecks_by_kind", "堵点" if zh else "bottlenecks (堵点)")):
        kinds = sep.join(f"{names.kind(k)} {v:,}" for k, v in s.get(key, {}).items())
        print(f"  {title}{colon}{kinds or ('无' if zh else 'none')}")
    if s.get("focal_rung"):
        print(f"  {'梯队' if zh else 'echelon (梯队)'}{colon}{names.value(s['focal_rung'])}")
    for step, reason in s.get("skipped", {}).items():
        name, why = skip_text(step, reason, lang)
        print(f"  {'未运行' if zh else 'skipped'} {name}: {why}")
    if written:
        folder = written[0].parent if written[0].parent.name != "tables" else \
            written[0].parent.parent
        files = [str(p.relative_to(folder)) for p in written
                 if p.parent == folder]
        print(("已写入 " if zh else "wrote ") + f"{folder}: {', '.join(files)}, tables/")
