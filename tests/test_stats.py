"""`lbsearch stats [QUERY]`: the counts of a search or of the whole index, and their charts."""

import io
import json
from collections import Counter

import pytest
from rich.console import Console

from lbsearch import render

from .test_cli import env_index  # noqa: F401 - the fixture


@pytest.mark.parametrize("args", [
    ("công đoàn",), ("gia lam",), ("công đoàn", "--district", "long bien"),
    ("công đoàn", "--since", "2022-05"), ('"Quy chế phối hợp" OR MICCO', "--until", "2022"),
])
def test_the_counts_of_a_search_are_those_of_its_hits(cli, env_index, args):
    stats = json.loads(cli("stats", *args, "--json").out)
    found = json.loads(cli("search", *args, "--json", "-n", "50").out)
    assert stats["schema_version"] == 1 and stats["query"] == args[0]
    assert stats["articles"] == found["total"] == len(found["hits"]) > 0
    assert stats["per_district"] == dict(Counter(d for hit in found["hits"] for d in hit["districts"]))
    months = Counter(hit["date"][:7] for hit in found["hits"] if hit["date"])
    assert stats["per_month"] == dict(months) and stats["undated"] == stats["articles"] - sum(months.values())
    assert list(stats["per_district"].values()) == sorted(stats["per_district"].values(), reverse=True)


def test_filters_alone_count_the_index_and_dates_left_out_are_said(cli, env_index):
    everything = json.loads(cli("stats", "--json").out)
    assert everything["query"] is None and everything["articles"] == 5
    in_district = json.loads(cli("stats", "--district", "Gia Lâm", "--json").out)
    assert in_district["articles"] == everything["per_district"]["Gia Lâm"] < 5
    dated = cli("stats", "--since", "2000", "--json")
    assert json.loads(dated.out)["articles"] == sum(everything["per_year"].values())
    assert f"{everything['undated']} articles with no known date were left out" in dated.err
    nothing = cli("stats", "zzqxw", "--json")
    assert nothing.status == 1 and json.loads(nothing.out)["articles"] == 0
    assert cli("stats", "công đoàn", "--since", "tomorrowish").status == 2


def test_the_terminal_shows_bar_charts(cli, env_index):
    run = cli("stats", "công đoàn")
    lines = run.out.splitlines()
    assert lines[0] == "5 articles matching 'công đoàn', 3 with no known date"
    month = next(line for line in lines if line.startswith("2022-05"))
    assert "█" in month and month.endswith(" 2")
    districts = lines[lines.index("per district") + 1:]
    assert districts[0].startswith("Long Biên") and districts[0].endswith(" 3")
    # bars are as long as their counts: 3 against 2
    assert districts[0].count("█") > districts[1].count("█") > 0
    assert "\x1b" not in run.out


def figures(per_month: dict[str, int]) -> dict:
    per_year = Counter()
    for month, count in per_month.items():
        per_year[month[:4]] += count
    return {"query": None, "articles": sum(per_month.values()), "undated": 0, "per_year": dict(per_year),
            "per_month": per_month, "per_district": {"Long Biên": 7, "Ba Vì": 1}}


def test_a_timeline_fills_empty_months_and_goes_per_year_past_three_years():
    assert render.timeline_rows(figures({"2022-11": 2, "2023-02": 1})) == [
        ("2022-11", 2), ("2022-12", 0), ("2023-01", 0), ("2023-02", 1)]
    assert render.timeline_rows(figures({"2019-01": 4, "2023-05": 1})) == [
        ("2019", 4), ("2020", 0), ("2021", 0), ("2022", 0), ("2023", 1)]
    assert render.timeline_rows(figures({})) == []


def test_charts_fit_an_80_column_terminal():
    months = {f"{year}-{month:02d}": year + month * 1000 for year in (2022, 2023, 2024) for month in range(1, 13)}
    out = io.StringIO()
    render.print_stats(Console(file=out, width=80, force_terminal=False), figures(months))
    lines = out.getvalue().splitlines()
    assert len([line for line in lines if line[4:5] == "-"]) == 36
    assert max(map(len, lines)) <= 80
    ba_vi = next(line for line in lines if line.startswith("Ba Vì"))
    assert "▏" in ba_vi or "█" in ba_vi  # a count of 1 against 7 still shows a bar


def test_everyday_dates_reach_the_filters(cli, env_index):
    # The dated seeds are from May 2022: ten years back holds them, today holds none.
    for since in ("10 năm trước", "10 nam truoc", "10 years ago", "10y"):
        found = json.loads(cli("search", "công đoàn", "--since", since, "--json").out)
        assert {hit["date"][:7] for hit in found["hits"]} == {"2022-05"}, since
    assert json.loads(cli("stats", "--since", "hôm nay", "--json").out)["articles"] == 0
    assert json.loads(cli("stats", "--until", "năm ngoái", "--json").out)["per_month"] == {"2022-05": 2}
    wrong = cli("search", "công đoàn", "--since", "thứ ba")
    assert wrong.status == 2 and "tháng này|trước" in wrong.err and len(wrong.err.splitlines()) == 1
