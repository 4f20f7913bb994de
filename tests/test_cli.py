"""The chaingraph console script: commands, files, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import chaingraph as cg
from chaingraph._cli_options import parse_columns as _columns
from chaingraph.cli import _selector, main


@pytest.fixture
def csv_chain(tmp_path: Path) -> tuple[Path, Path]:
    ent = pd.DataFrame({"企业名称": ["矿", "材料", "电池", "整车", "外地"],
                        "环节": ["ore", "cell", "cell", "car", "cell"],
                        "地区": ["本区", "本区", "本区", "本区", "外省"],
                        "产值": [1e9, 2e9, 3e9, 9e9, 5e9]})
    lk = pd.DataFrame({"供应商": ["矿", "材料", "电池", "外地"],
                       "客户": ["材料", "电池", "整车", "整车"],
                       "金额": ["1亿", "2亿", "3亿", "1亿"]})
    ent_path, lk_path = tmp_path / "ent.csv", tmp_path / "links.csv"
    ent.to_csv(ent_path, index=False)
    lk.to_csv(lk_path, index=False)
    return ent_path, lk_path


MAPPING = "企业名称=id,环节=segment,地区=region,产值=output,供应商=supplier,客户=buyer,金额=volume"


def test_demo_writes_every_file(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"report.md", "report.html", "report.xlsx", "report.json", "map.png",
                     "map.html", "tables"}
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<html" in (out / "map.html").read_text(encoding="utf-8").lower()
    assert not [n for n in names if n.startswith(".")]  # no temporary leftovers
    printed = capsys.readouterr().out
    assert "明湾示范区" in printed and "缺少 4 个模板环节" in printed
    assert printed.index("重点问题") < printed.index("断点：")
    assert "（合成示例）：406 家企业" in printed  # Chinese colons in a Chinese summary
    assert "已写入" in printed and "report.json" in printed
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["summary"]["region"] == "明湾示范区"


def test_info(csv_chain, capsys):
    ent, lk = csv_chain
    assert main(["info", str(ent), str(lk), "--columns", MAPPING, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    for line in ("enterprises: 5", "links: 4", "sources: 2", "final producers: 1",
                 "isolated: 0", "segments: 3", "regions: 2", "tiers: 0-3"):
        assert line in out, line


def test_info_single_workbook(tmp_path, capsys):
    chain = cg.datasets.load_example()
    path = tmp_path / "example.xlsx"
    cg.readwrite.write_chain(chain, path)
    assert main(["info", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "enterprises: 406" in out and "cycles: 1" in out


def test_info_in_chinese(tmp_path, capsys):
    """`info` printed English only; a Chinese chain is described in Chinese, segments
    by their template names, and --lang chooses."""
    chain = cg.datasets.load_example()
    path = tmp_path / "example.xlsx"
    cg.readwrite.write_chain(chain, path)
    assert main(["info", str(path)]) == 0
    zh = capsys.readouterr().out
    for line in ("企业：406 家", "供应关系：1,090 条", "环节：29 个（销售与售后服务 81",
                 "源头企业：", "循环供应：1 个", "层级：0-"):
        assert line in zh, line
    assert "enterprises" not in zh
    assert main(["info", str(path), "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "enterprises: 406" in en and "Sales and after-sales service 81" in en


def test_diagnose_files_and_json(csv_chain, tmp_path, capsys):
    ent, lk = csv_chain
    out = tmp_path / "rep"
    code = main(["diagnose", str(ent), str(lk), "--columns", MAPPING, "--region",
                 "本区", "--out", str(out), "--target", "2e10"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"report.md", "report.html", "report.xlsx",
                                               "report.json", "map.png", "map.html",
                                               "tables"}
    capsys.readouterr()
    assert main(["diagnose", str(ent), str(lk), "--columns", MAPPING, "--region",
                 "本区", "--json", "--sources", "segment:ore"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # stdout holds only the JSON
    assert list(doc) == ["key_findings", "summary", "structure", "breakpoints",
                         "bottlenecks", "leaders", "candidates", "echelon", "labels"]
    assert doc["summary"]["n_sources"] == 1
    assert doc["echelon"][0]["group"] == "本区"


def test_diagnose_with_template(tmp_path, capsys):
    chain = cg.datasets.load_example()
    folder = tmp_path / "chain"
    cg.readwrite.write_chain(chain, folder, format="csv")
    code = main(["diagnose", str(folder / "enterprises.csv"), str(folder / "links.csv"),
                 "--template", "nev", "--region", "明湾示范区", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    kinds = {b["kind"] for b in doc["breakpoints"]}
    assert "missing_segment" in kinds


def test_bad_input_one_line_exit_2(tmp_path, capsys):
    ent = tmp_path / "ent.csv"
    lk = tmp_path / "links.csv"
    ent.write_text("id,output\nA,1\nA,2\nB,-5\n", encoding="utf-8")
    lk.write_text("supplier,buyer\nA,B\n", encoding="utf-8")
    assert main(["diagnose", str(ent), str(lk)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chaingraph: error: ")
    assert "ent.csv, row 3, column 'id': duplicate id 'A'" in err
    assert "Traceback" not in err
    with pytest.raises(cg.ChainDataError):
        main(["diagnose", str(ent), str(lk), "--debug"])


@pytest.mark.parametrize("argv, message", [
    (["info", "missing.csv"], "missing.csv: no such file"),
    (["diagnose", "{ent}", "{lk}", "--template", "nope"], "no built-in template"),
    (["diagnose", "{ent}", "{lk}", "--region", "火星", "--columns", MAPPING],
     "no enterprise is in region"),
    (["info", "{ent}", "{lk}", "--columns", "oops"], "--columns"),
])
def test_errors_are_one_line(argv, message, csv_chain, capsys):
    ent, lk = csv_chain
    argv = [a.format(ent=ent, lk=lk) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chaingraph: error: ") and message in err
    assert err.count("\n") == 1


def test_usage_errors_and_help(capsys):
    assert main([]) == 2
    assert main(["nonsense"]) == 2
    assert main(["--help"]) == 0
    assert "diagnose" in capsys.readouterr().out


def test_argument_parsers():
    assert _selector("segment:ore, cell") == {"segment": ["ore", "cell"]}
    assert _selector("a,b") == ["a", "b"]
    assert _selector(None) is None
    assert _columns("甲=id, 乙=supplier") == {"甲": "id", "乙": "supplier"}
    assert _columns('{"x": "buyer"}') == {"x": "buyer"}
    with pytest.raises(ValueError, match="user=canonical"):
        _columns("x")


def test_console_script_runs(csv_chain):
    script = Path(sys.executable).parent / "chaingraph"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "chaingraph.cli"]
    ent, lk = csv_chain
    done = subprocess.run([*command, "info", str(ent), str(lk), "--columns", MAPPING],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "企业：5 家" in done.stdout  # Chinese names: a Chinese description
    alone = subprocess.run([*command, "info", str(ent), "--columns", MAPPING, "--lang", "en"],
                           capture_output=True, text=True, timeout=120, check=False)
    assert alone.returncode == 0, alone.stderr  # an enterprise list alone: no links yet
    assert "links: 0" in alone.stdout and "loading: rows read: 5" in alone.stdout
    odd = ent.with_name("odd.csv")
    odd.write_text("颜色\n红\n", encoding="utf-8")
    bad = subprocess.run([*command, "info", str(odd)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert bad.returncode == 2
    assert bad.stderr.startswith("chaingraph: error: ") and "Traceback" not in bad.stderr


def test_python_m_chaingraph_is_the_command(csv_chain):
    ent, lk = csv_chain
    done = subprocess.run([sys.executable, "-m", "chaingraph", "info", "--lang", "en",
                           str(ent), str(lk),
                           "--columns", MAPPING], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "enterprises: 5" in done.stdout


def test_console_exits_hard_with_mains_status_and_every_line_flushed(csv_chain):
    """The console entry (main, then os._exit) loses no buffered output into a pipe
    and exits with main's status."""
    ent, lk = csv_chain
    code = "import sys; from chaingraph.cli import console; sys.argv[0] = 'chaingraph'; console()"
    done = subprocess.run([sys.executable, "-c", code, "info", "--lang", "en", str(ent),
                           str(lk),
                           "--columns", MAPPING], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "enterprises: 5" in done.stdout and done.stdout.endswith("\n")
    bad = subprocess.run([sys.executable, "-c", code, "info", str(ent.with_name("no.csv"))],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("chaingraph: error: ")


def test_the_command_runs_numpy_without_huge_page_advice(monkeypatch):
    """The console script sets NUMPY_MADVISE_HUGEPAGE=0 before numpy loads (a user's
    own setting wins); main() alone, for use from Python, changes nothing."""
    from chaingraph import cli

    class Exited(Exception):
        pass

    def exit_(code):
        raise Exited(code)

    monkeypatch.setattr(cli, "main", lambda: 0)
    monkeypatch.setattr(cli.os, "_exit", exit_)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    with pytest.raises(Exited):
        cli.console()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    with pytest.raises(Exited):
        cli.console()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "1"
    # numpy reads it when imported: a fresh interpreter as the command starts one
    code = ("from chaingraph import cli; cli._runtime_settings(); import numpy\n"
            "try:\n"
            "    from numpy._core.multiarray import _get_madvise_hugepage\n"
            "except ImportError:  # numpy 1.x\n"
            "    from numpy.core.multiarray import _get_madvise_hugepage\n"
            "print(_get_madvise_hugepage())")
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, env=env)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("command", [["demo"], ["info"]])
def test_console_output_into_a_closed_pipe_ends_quietly(csv_chain, command):
    """``chaingraph demo | head -1``: when the reader stops reading, the command stops
    with status 141 (as one ended by SIGPIPE) and no error message, whether the
    closed pipe shows while it prints (demo's long output) or only at the final
    flush (info's few lines stay in the buffer until then)."""
    ent, lk = csv_chain
    code = "import sys; from chaingraph.cli import console; sys.argv[0] = 'chaingraph'; console()"
    args = command if command == ["demo"] else [*command, str(ent), str(lk),
                                                "--columns", MAPPING]
    if command == ["demo"]:
        args = [*args, "--lang", "zh"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ,
                                                         "CHAINGRAPH_PROGRESS": "0"})
    proc.stdout.close()  # the reader is gone before anything is written
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 141, err.decode(errors="replace")
    assert err == b""


def test_console_demo_with_its_map_process_writes_every_file(tmp_path):
    """The console entry on a command that starts the map process: every file is
    there when the process has exited (the hard exit loses nothing)."""
    code = "import sys; from chaingraph.cli import console; sys.argv[0] = 'chaingraph'; console()"
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-c", code, "demo", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"map.png", "map.html", "report.html", "report.xlsx", "report.json",
            "report.md", "tables"} <= names
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_diagnose_lang_writes_every_output_in_chinese(tmp_path, capsys):
    chain = cg.datasets.load_example()
    path = tmp_path / "example.xlsx"
    cg.readwrite.write_chain(chain, path)
    out = tmp_path / "zh"
    assert main(["diagnose", str(path), "--lang", "zh", "--out", str(out)]) == 0
    files = {p.name for p in out.iterdir()}
    assert files == {"report.md", "report.html", "report.xlsx", "report.json", "map.png",
                     "map.html", "tables"}
    assert (out / "report.md").read_text(encoding="utf-8").splitlines()[2] == "## 重点问题"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "http" not in html.split("<body>")[1]
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["summary"]["lang"] == "zh" and doc["key_findings"][0]["kind"] == \
        "missing_segment"
    assert {p.suffix for p in (out / "tables").iterdir()} <= {".parquet", ".csv"}
    capsys.readouterr()
    en = tmp_path / "en"
    assert main(["diagnose", str(path), "--lang", "en", "--out", str(en)]) == 0
    assert "Key findings:" in capsys.readouterr().out
    doc_en = json.loads((en / "report.json").read_text(encoding="utf-8"))
    # codes and keys are the same in every language; labels differ
    assert list(doc_en) == list(doc)
    assert [b["kind"] for b in doc_en["breakpoints"]] == [b["kind"] for b in
                                                          doc["breakpoints"]]
    assert doc_en["breakpoints"][0]["kind_label"] != doc["breakpoints"][0]["kind_label"]
    for name in ("breakpoints", "leaders"):  # full tables do not depend on --lang
        pd.testing.assert_frame_equal(pd.read_parquet(out / "tables" / f"{name}.parquet"),
                                      pd.read_parquet(en / "tables" / f"{name}.parquet"))


def test_failed_write_leaves_no_folder_and_keeps_the_old_one(csv_chain, tmp_path,
                                                             capsys, monkeypatch):
    ent, lk = csv_chain
    out = tmp_path / "rep"
    args = ["diagnose", str(ent), str(lk), "--columns", MAPPING, "--region", "本区",
            "--out", str(out)]

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cg.report.ChainReport, "to_excel", boom)
    assert main(args) == 2
    assert "disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [ent, lk] or sorted(tmp_path.iterdir()) == sorted(
        [ent, lk])
    monkeypatch.undo()
    assert main(args) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    monkeypatch.setattr(cg.report.ChainReport, "to_excel", boom)
    assert main(args) == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_diagnose_takes_an_external_relatedness_table(tmp_path, capsys):
    chain = cg.datasets.load_example()
    folder = tmp_path / "chain"
    cg.readwrite.write_chain(chain, folder, format="csv")
    density = cg.relatedness_density(cg.region_segment_table(chain)) * 0 + 0.5
    density.to_csv(tmp_path / "density.csv")
    files = [str(folder / "enterprises.csv"), str(folder / "links.csv"), "--template",
             "nev", "--region", "明湾示范区", "--json"]
    assert main(["diagnose", *files, "--relatedness", str(tmp_path / "density.csv")]) == 0
    doc = json.loads(capsys.readouterr().out)
    gaps = [c for c in doc["candidates"] if not c["kind"].startswith("强链")]
    assert gaps and all(c["relatedness_density"] == 0.5 for c in gaps)
    (tmp_path / "bad.csv").write_text("region,a\nx,1.5\n", encoding="utf-8")
    assert main(["diagnose", *files, "--relatedness", str(tmp_path / "bad.csv")]) == 2
    assert "bad.csv" in capsys.readouterr().err


def test_errors_give_command_line_options_not_python_keywords(tmp_path, capsys):
    """A CLI user was told to pass unknown='add' (a Python keyword) (an analyst's review)."""
    (tmp_path / "e.csv").write_text("id,segment,region\na,cathode,示范区\nb,battery_cell,示范区\n",
                                    encoding="utf-8")
    (tmp_path / "l.csv").write_text("supplier,buyer\na,b\na,x\n", encoding="utf-8")
    code = main(["diagnose", str(tmp_path / "e.csv"), str(tmp_path / "l.csv"),
                 "--template", "nev", "--region", "示范区", "--json"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pass --unknown add to add it" in err and "unknown='add'" not in err


def test_info_of_a_sheet_with_only_its_header(tmp_path, capsys):
    """A header without rows crashed the language guess (an IndexError traceback)."""
    path = tmp_path / "e.csv"
    path.write_text("企业名称,所属环节,产值\n", encoding="utf-8")
    assert main(["info", str(path)]) == 0
    assert "enterprises: 0" in capsys.readouterr().out


def test_info_names_segments_by_the_one_template_they_fit(tmp_path, capsys):
    """A CSV pair without --template listed segment codes (after_sales 81) on the
    Chinese path; the one built-in template holding every segment id names them."""
    chain = cg.datasets.load_example()
    chain.enterprises.to_csv(tmp_path / "e.csv", index=False)
    chain.links.to_csv(tmp_path / "l.csv", index=False)
    assert main(["info", str(tmp_path / "e.csv"), str(tmp_path / "l.csv")]) == 0
    out = capsys.readouterr().out
    assert "环节：29 个（销售与售后服务 81" in out and "after_sales" not in out
    odd = chain.enterprises.assign(segment=chain.enterprises["segment"].where(
        chain.enterprises["segment"] != "after_sales", "售后（自定义）"))
    odd.to_csv(tmp_path / "e.csv", index=False)
    assert main(["info", str(tmp_path / "e.csv"), str(tmp_path / "l.csv")]) == 0
    assert "售后（自定义） 81" in capsys.readouterr().out  # no template fits: as given
