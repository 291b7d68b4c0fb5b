"""The `lbsearch` command as a user runs it: output, JSON, exit status, errors, hostile text."""

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS, root_file


@pytest.fixture
def env_index(tmp_path, monkeypatch, engine):
    """Point the defaults at a fresh index built from the real seeds on first use (per engine)."""
    monkeypatch.setenv("LBSEARCH_INDEX", str(tmp_path / "ix"))
    monkeypatch.setenv("LBSEARCH_CORPUS", str(SEEDS))
    return tmp_path / "ix"


def test_first_search_builds_the_index_and_says_so(cli, env_index):
    run = cli("search", "Quy chế phối hợp")
    assert run.status == 0
    assert "building it from" in run.err and "5 added" in run.err
    assert run.out.splitlines()[0] == "1. LĐLĐ quận Long Biên và LĐLĐ huyện Gia Lâm ký Quy chế phối hợp hoạt động"
    assert "3 matches" in run.err
    again = cli("search", "quy che phoi hop")
    assert "building" not in again.err
    assert again.out == run.out


def test_json_document_fields(cli, env_index):
    run = cli("search", "quy che phoi hop", "--json", "-n", "2")
    document = json.loads(run.out)
    assert document["query"] == "quy che phoi hop" and document["total"] == 3
    assert len(document["hits"]) == 2
    hit = document["hits"][0]
    assert set(hit) >= {"id", "path", "title", "date", "date_source", "districts", "score", "snippet", "highlights"}
    assert hit["id"] == "000_de9231ce01b27642" and hit["districts"] == ["Long Biên", "Gia Lâm"]
    assert Path(hit["path"]).read_bytes() == (SEEDS / "000_de9231ce01b27642.txt").read_bytes()
    assert "Quy chế phối hợp" in [hit["snippet"][a:b] for a, b in hit["highlights"]]
    assert "\\u" not in run.out and "Lâm" in run.out  # UTF-8, not escaped


def test_jsonl_one_hit_per_line(cli, env_index):
    run = cli("search", "phối hợp", "--jsonl", "--sort", "newest")
    hits = [json.loads(line) for line in run.out.splitlines()]
    assert [h["date"] for h in hits[:2]] == ["2022-05-31", "2022-05-20"]
    assert [h["date_source"] for h in hits[:2]] == ["text", "byline"]


def test_exit_status_like_grep(cli, env_index):
    assert cli("search", "quy che").status == 0
    nothing = cli("search", "zzzkhongco")
    assert nothing.status == 1 and nothing.out == ""
    for args in (["search", '"quy che'], ["search", "OR"], ["search", "x", "--since", "2022-02-30"],
                 ["search", "x", "--until", "31/13/2022"], ["search", "x", "--district", "Long Bin"],
                 ["search", "x", "--sort", "random"], ["search", "x", "-n", "0"], ["search", "x", "--bogus"],
                 ["search", "x", "--json", "--jsonl"], ["show"]):
        run = cli(*args)
        assert run.status == 2, args
        assert run.err.startswith("lbsearch: error: ") and run.err.count("\n") == 1, (args, run.err)
        assert "Traceback" not in run.err


def test_date_filter_reports_undated_articles(cli, env_index):
    run = cli("search", "phối hợp", "--since", "2022", "--json")
    assert {h["id"] for h in json.loads(run.out)["hits"]} == {"001_6ae812ba00bba860", "003_b5d277c22c92321f"}
    assert run.err.endswith("\nlbsearch: 3 articles with no known date were left out by the date filter\n")
    assert cli("search", "phối hợp", "--since", "05/2022").status == 2
    assert json.loads(cli("search", "phối hợp", "--until", "20/05/2022", "--json").out)["total"] == 1


def test_district_option(cli, env_index):
    run = cli("search", "công đoàn", "--district", "ba dinh", "--json")
    assert [h["id"] for h in json.loads(run.out)["hits"]] == ["002_3030d9cee70eb42f"]
    run = cli("search", "công đoàn", "--district", "quận cau giay")
    assert run.status == 1
    bad = cli("search", "công đoàn", "--district", "Hoan Kim")
    assert "did you mean Hoàn Kiếm" in bad.err


def test_show_and_stats(cli, env_index):
    cli("index")
    record = json.loads(cli("show", "003_b5d277c22c92321f", "--json").out)
    assert record["date"] == "2022-05-20" and record["title"].startswith("LĐLĐ Nghệ An")
    assert "MICCO" not in record["body"]
    shown = cli("show", "003_b5d277c22c92321f")
    assert shown.status == 0 and "Kha Văn Tám" in shown.out
    assert cli("show", "nope").status == 1
    stats = json.loads(cli("stats", "--json").out)
    assert stats["articles"] == 5 and stats["undated"] == 3
    assert stats["per_year"] == {"2022": 2}
    assert stats["per_district"]["Long Biên"] == 3 and "Cầu Giấy" not in stats["per_district"]
    assert "5 articles" in cli("stats").out


def test_index_command_reports_counts(cli, env_index, tmp_path):
    first = cli("index")
    assert first.status == 0 and "5 added, 0 updated, 0 removed, 0 unchanged, 0 skipped" in first.out
    assert f"({os.environ['LBSEARCH_ENGINE']})" in first.out
    assert "0 added, 0 updated, 0 removed, 5 unchanged, 0 skipped" in cli("index").out
    assert cli("index", str(tmp_path / "missing")).status == 2


def test_index_of_another_version_is_refused_by_search(cli, env_index):
    cli("index")
    meta = env_index / "lbsearch.json"
    meta.write_text(re.sub(r'"schema_version": \d+', '"schema_version": 99', meta.read_text()))
    run = cli("search", "quy")
    assert run.status == 2 and "lbsearch index --rebuild" in run.err
    assert "rebuilt" in cli("index").out
    assert cli("search", "quy").status == 0


def test_damaged_index_is_detected(cli, env_index):
    cli("index")
    root_file(env_index).write_bytes(b"\x00" * 16)
    run = cli("search", "quy")
    assert run.status == 2 and "damaged" in run.err and "--rebuild" in run.err
    assert cli("index", "--rebuild").status == 0
    assert cli("search", "quy").status == 0


HOSTILE = "[bold]Tiêu đề[/bold] \x1b[31mđỏ\x1b[0m [link=file:///etc/passwd]x[/link]\nChiều 3/12, nội dung \x1b]0;pwned\x07 có [red]markup[/red] và Quy chế.\n"


def _lbsearch(*args, env_extra=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "lbsearch", *args], capture_output=True, env=env, cwd=cwd)


def test_hostile_text_is_printed_literally(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(HOSTILE, "utf-8")
    ix = str(tmp_path / "ix")
    assert _lbsearch("index", str(corpus), "--index", ix).returncode == 0
    # Forced colour, as on a terminal: styles come from lbsearch only, the corpus text stays text.
    run = _lbsearch("search", "quy che", "--index", ix, env_extra={"FORCE_COLOR": "1", "COLUMNS": "300"})
    out = run.stdout.decode("utf-8")
    assert run.returncode == 0
    assert "[bold]Tiêu đề[/bold]" in out and "[red]markup[/red]" in out and "[link=file:///etc/passwd]" in out
    assert "\x1b[31m" not in out and "\x1b]" not in out and "\x07" not in out
    assert "\x1b[" in out  # the highlight itself is styled on a terminal
    piped = _lbsearch("search", "quy che", "--index", ix).stdout.decode("utf-8")
    assert "\x1b" not in piped and "[bold]Tiêu đề[/bold]" in piped
    no_color = _lbsearch("search", "quy che", "--index", ix, env_extra={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[1;33m" not in no_color.stdout.decode("utf-8")
    shown = json.loads(_lbsearch("show", "evil", "--index", ix, "--json").stdout)
    assert shown["title"].startswith("[bold]Tiêu đề[/bold]") and "\x1b" not in shown["title"]


def test_python_dash_m_and_a_pipe_that_closes(tmp_path):
    ix = str(tmp_path / "ix")
    assert _lbsearch("index", str(SEEDS), "--index", ix).returncode == 0
    run = subprocess.run(
        f"{sys.executable} -m lbsearch search 'hoạt động' --jsonl --index {ix} | head -c 10",
        shell=True, capture_output=True,
    )
    assert run.returncode == 0 and b"Traceback" not in run.stderr


def test_every_command_has_help_with_an_example(cli):
    for command in ("index", "search", "show", "stats"):
        run = cli(command, "--help")
        assert run.status == 0 and "Example: lbsearch" in run.out, command


def test_another_engine_rebuilds_with_one_line_and_is_then_used(cli, env_index, engine):
    other = "whoosh" if engine == "tantivy" else "tantivy"
    before = cli("search", "quy che phoi hop", "--json")
    switched = cli("index", "--engine", other)
    assert switched.status == 0
    assert f"rebuilt: engine {other} was asked for, the index used {engine}" in switched.out
    assert json.loads((env_index / "lbsearch.json").read_text())["engine"] == other
    after = cli("search", "quy che phoi hop", "--json")
    ids = [[h["id"] for h in json.loads(run.out)["hits"]] for run in (before, after)]
    assert ids[0] == ids[1] and json.loads(after.out)["total"] == json.loads(before.out)["total"]
    # Without --engine, the recorded engine stays, whatever $LBSEARCH_ENGINE says for new ones.
    os.environ.pop("LBSEARCH_ENGINE")
    assert f"({other})" in cli("index").out
    bad = cli("index", "--engine", "lucene")
    assert bad.status == 2 and "unknown engine 'lucene'" in bad.err and len(bad.err.splitlines()) == 1


def test_the_installed_package_holds_every_module():
    """pyproject names the packages (seeds/ and index/ confuse automatic discovery):
    a subpackage left out installs an lbsearch that fails at its first search."""
    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parent.parent
    declared = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {init.parent.relative_to(root).as_posix().replace("/", ".") for init in (root / "lbsearch").rglob("__init__.py")}
    assert declared == on_disk


def test_undated_notice_once_and_in_good_grammar(cli, env_index):
    """Issue #20: the text output said it twice, once as "1 matching articles"."""
    one = cli("search", "quy che phoi hop", "--district", "Long Biên", "--since", "2022")
    assert one.status == 0
    said = (one.out + one.err).count("no known date")
    assert said == 1 and "lbsearch: 1 article with no known date was left out by the date filter\n" in one.err
    several = cli("stats", "phối hợp", "--since", "2022")
    assert (several.out + several.err).count("left out") == 1
    assert "lbsearch: 3 articles with no known date were left out by the date filter\n" in several.err


def test_version(cli):
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        run = cli(flag)
        assert run.status == 0 and run.out == f"lbsearch {version('lbsearch')}\n" and run.err == ""


def test_dash_h_is_help_everywhere(cli):
    for command in ([], ["index"], ["search"], ["show"], ["stats"]):
        short, long = cli(*command, "-h"), cli(*command, "--help")
        assert short.status == long.status == 0, command
        assert short.out == long.out and short.out.startswith(f"Usage: {' '.join(['lbsearch', *command])} ")


def test_bare_lbsearch_prints_the_usage_on_lines(cli):
    run = cli()
    assert run.status == 2 and run.out == ""
    lines = run.err.splitlines()
    assert lines[0] == "Usage: lbsearch [OPTIONS] COMMAND [ARGS]..."
    for command in ("index", "search", "show", "stats"):
        assert any(line.split()[:1] == [command] for line in lines), command


# Names a corpus can hold: a newline fakes a line of output, ESC [31m turns the terminal red.
NEWLINE_NAME, ESCAPE_NAME, EMPTY_NAME = "new\nline", "esc\x1b[31mred", "empty\x1b[31m\nfile"


@pytest.fixture
def hostile_names(tmp_path, engine):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"{NEWLINE_NAME}.txt").write_bytes((SEEDS / "000_de9231ce01b27642.txt").read_bytes())
    (corpus / f"{ESCAPE_NAME}.txt").write_bytes((SEEDS / "001_6ae812ba00bba860.txt").read_bytes())
    (corpus / f"{EMPTY_NAME}.txt").write_bytes(b"")
    return corpus, tmp_path / "ix"


def test_control_characters_in_file_names_are_shown_escaped(cli, hostile_names):
    corpus, ix = hostile_names
    indexed = cli("index", str(corpus), "--index", str(ix))
    assert indexed.status == 0
    warnings = [line for line in indexed.err.splitlines() if "warning" in line]
    assert warnings == [f"lbsearch: warning: {corpus}/empty\\x1b[31m\\nfile.txt: empty file: skipped"]
    found = cli("search", "Quy chế phối hợp", "--index", str(ix))
    assert found.status == 0 and "\x1b" not in found.out + found.err  # NO_COLOR: lbsearch writes no codes either
    metas = [line for line in found.out.splitlines() if " · " in line]
    assert metas == ["   no date · Long Biên, Gia Lâm · new\\nline",
                     "   2022-05-31 · Đống Đa, Hoàn Kiếm, Hai Bà Trưng, Long Biên, Hoàng Mai · esc\\x1b[31mred"]
    shown = cli("show", NEWLINE_NAME, "--index", str(ix))
    assert shown.status == 0 and f"{corpus}/new\\nline.txt\n" in shown.out
    # JSON keeps the name exact: a reader gets the file it can open.
    hits = json.loads(cli("search", "Quy chế phối hợp", "--index", str(ix), "--json").out)["hits"]
    assert {Path(hit["path"]).name for hit in hits} == {f"{NEWLINE_NAME}.txt", f"{ESCAPE_NAME}.txt"}


UNDECODABLE = os.fsdecode(b"/corpus/b\xe1o c\xe1o.txt")  # Windows-1258 bytes in a name: "\udce1"


def _hit_with_undecodable_path():
    from lbsearch.query import Hit, SearchResult

    hit = Hit(id=UNDECODABLE[len("/corpus/"):-len(".txt")], path=UNDECODABLE, url=None,
              title="Quy chế phối hợp", date=None, date_source=None, districts=[], score=1.0,
              snippet="ký Quy chế phối hợp", highlights=[[3, 19]], title_highlights=[[0, 16]],
              copies=[UNDECODABLE])
    return SearchResult(query="quy chế", total=1, hits=[hit])


def test_undecodable_bytes_in_a_path_give_valid_json_and_visible_text(cli, env_index, monkeypatch):
    import lbsearch.articles
    import lbsearch.query

    monkeypatch.setattr(lbsearch.query, "search", lambda ix, options: _hit_with_undecodable_path())
    # The runner decodes stdout and stderr as strict UTF-8: a lone surrogate written raw fails here.
    text = cli("search", "quy chế")
    assert text.status == 0 and "b\\xe1o c\\xe1o" in text.out
    document = json.loads(cli("search", "quy chế", "--json").out)
    assert document["hits"][0]["path"] == "/corpus/b\\xe1o c\\xe1o.txt"
    assert document["hits"][0]["copies"] == ["/corpus/b\\xe1o c\\xe1o.txt"]
    line = json.loads(cli("search", "quy chế", "--jsonl").out)
    assert line["id"] == "b\\xe1o c\\xe1o"
    record = {"id": "b\udce1o", "path": UNDECODABLE, "url": None, "copies": [], "title": "Quy chế",
              "date": None, "date_source": None, "districts": [], "body": "Quy chế phối hợp"}
    monkeypatch.setattr(lbsearch.articles, "get_article", lambda ix, article_id: record)
    assert json.loads(cli("show", "x", "--json").out)["path"] == "/corpus/b\\xe1o c\\xe1o.txt"
    assert "/corpus/b\\xe1o c\\xe1o.txt\n" in cli("show", "x").out


def test_undecodable_bytes_in_a_warning_are_shown_as_bytes(cli, env_index, monkeypatch, tmp_path):
    import lbsearch.updater

    real = lbsearch.updater.update_index

    def warn_first(corpus, index_dir, **options):
        options["on_warning"](f"{UNDECODABLE}: empty file: skipped")
        return real(corpus, index_dir, **options)

    monkeypatch.setattr(lbsearch.updater, "update_index", warn_first)
    run = cli("index", str(SEEDS), "--index", str(tmp_path / "other"))
    assert run.status == 0
    assert "lbsearch: warning: /corpus/b\\xe1o c\\xe1o.txt: empty file: skipped\n" in run.err
