"""`lbsearch browse` (issue #21), driven headless with Textual's pilot on the seeds' index of
each engine: typing, a stale search never drawn, reading and coming back, filters, copying,
quitting, the refusal without a terminal; and once in a real terminal (tmux)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("textual")

from rich.text import Text

from lbsearch import browse, browse_app
from lbsearch.browse_app import (ArticleView, BrowseApp, DatePicker, DistrictPicker, HelpScreen, ReaderScreen,
                             SearchOptions, resolve_district, search)
from lbsearch.query import Hit
from lbsearch.text import fold_text


def run(coroutine):
    return asyncio.run(coroutine)


def screen_text(app) -> str:
    """What the terminal would show, as plain text, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot, app, timeout: float = 10.0) -> None:
    """Wait until the screen shows the answer to the newest question, counts included,
    or the article asked for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.01)
        if app.search_screen.settled:
            await pilot.pause()
            return
    raise AssertionError("the app did not settle")


async def wait_until(pilot, done, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "waited in vain"
        await pilot.pause(0.01)


@pytest.fixture(autouse=True)
def counts_without_waiting(monkeypatch):
    """The counts are asked for as soon as the hits are drawn, not after a pause in typing."""
    monkeypatch.setattr(browse_app, "STATS_DELAY", 0.001)


async def type_query(pilot, app, text: str) -> None:
    await pilot.press(*text)
    await settle(pilot, app)


def expected(ix, query: str, **filters):
    return search(ix, SearchOptions(query, limit=50, **filters))


def test_hits_follow_typing_with_total_counts_and_filters(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions(""))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, app)
            shown = screen_text(app)
            assert "5 articles" in shown and "type to search" in shown
            assert "order relevance" in shown and "district any" in shown
            await type_query(pilot, app, "long bien")
            shown = screen_text(app)
            result = expected(seed_ix, "long bien")
            assert f"{result.total} matches" in shown
            for rank, hit in enumerate(result.hits, 1):
                assert f"{rank}. {hit.title[:40]}" in shown
            assert "districts" in shown and "Long Biên" in shown  # the counts beside the hits
            # the first hit's title carries its highlights
            title = app.search_screen.query_one(browse_app.HitList)._lines[0][1]
            assert any(span.style == app.palette.match for span in title.spans)

    run(scenario())


def test_nothing_matched_says_so_with_the_did_you_mean_and_tab_takes_it(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions(""))
        async with app.run_test() as pilot:
            await type_query(pilot, app, "quy chee")
            shown = screen_text(app)
            assert "nothing matched · did you mean: quy chế" in shown
            await pilot.press("tab")
            await settle(pilot, app)
            assert app.search_screen.query_text == "quy chế"
            assert f"{expected(seed_ix, 'quy chế').total} match" in screen_text(app)

    run(scenario())


def test_a_query_error_is_one_line_and_the_app_goes_on(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("phoi hop"))
        async with app.run_test() as pilot:
            await settle(pilot, app)
            await type_query(pilot, app, ' "quy')
            lines = screen_text(app).splitlines()
            assert [line.rstrip() for line in lines if "unbalanced quote" in line] == [
                'unbalanced quote: close the phrase with a second "']
            assert any("1. " in line for line in lines)  # the last hits stay
            await type_query(pilot, app, '"')
            assert "unbalanced" not in screen_text(app)
            assert app.is_running

    run(scenario())


def test_a_slow_search_for_an_earlier_query_is_never_drawn(seed_ix, monkeypatch):
    slow_started = threading.Event()

    def slow_search(reader, options):
        if options.query == "long":
            slow_started.set()
            time.sleep(0.5)
        return search(reader, options)

    drawn: list[str] = []
    show = browse_app.HitList.show

    def recording_show(self, hits, keep=False):
        drawn.append(self.screen.result.query if self.screen.result else None)
        show(self, hits, keep)

    monkeypatch.setattr(browse_app, "search", slow_search)
    monkeypatch.setattr(browse_app.HitList, "show", recording_show)

    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions(""))
        async with app.run_test() as pilot:
            await pilot.press(*"long")
            while not slow_started.is_set():
                await pilot.pause(0.01)
            await pilot.press(*" bien")  # typed while "long" is still searching
            await settle(pilot, app)
            assert "long" not in drawn
            assert drawn[-1] == "long bien" and app.search_screen.result.query == "long bien"
            assert f"{expected(seed_ix, 'long bien').total} matches" in screen_text(app)

    run(scenario())


def test_the_first_screen_comes_before_the_first_hits_and_then_holds_them(seed_ix, monkeypatch):
    """`lbsearch browse QUERY` draws its screen without waiting for the index (issue #21:
    the first frame within 400 ms), then the hits of the query, in place."""
    release = threading.Event()

    def slow_search(reader, options):
        release.wait(10)
        return search(reader, options)

    monkeypatch.setattr(browse_app, "search", slow_search)

    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("long bien"))
        app.search_first(24)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            shown = screen_text(app)
            assert "› long bien" in shown and "order relevance" in shown
            assert "matches" not in shown and "1. " not in shown
            release.set()
            await settle(pilot, app)
            shown = screen_text(app)
            assert "3 matches" in shown and "› long bien" in shown
            assert f"1. {expected(seed_ix, 'long bien').hits[0].title[:40]}" in shown

    run(scenario())


def test_after_the_first_frame_the_app_says_so_once(seed_ix):
    frames: list[str] = []
    told: list[int] = []  # the frames drawn when the app said so

    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("long bien"), after_first_frame=lambda: told.append(len(frames)))
        display = app._display

        def recording_display(screen, renderable):
            display(screen, renderable)
            if renderable is not None:
                frames.append(screen_text(app))

        app._display = recording_display
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await type_query(pilot, app, " x")
        assert len(told) == 1 and told[0] >= 1 and "order relevance" in frames[0]

    run(scenario())


def test_run_holds_the_cycle_collector_only_while_the_app_starts(seed_ix, monkeypatch):
    import gc

    def failing_run(self, *args, **kwargs):
        assert not gc.isenabled() and self.after_first_frame is browse.collect_from_now
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(browse_app.BrowseApp, "run", failing_run)
    with pytest.raises(RuntimeError):
        browse.run(seed_ix, SearchOptions(""))
    assert gc.isenabled()


def test_the_did_you_mean_is_looked_for_once_nothing_matched_is_on_screen(seed_ix, monkeypatch):
    """"nothing matched" is not held up by the did-you-mean, and the did-you-mean of an
    earlier query never lands on a later one."""
    asked: list[tuple[str, bool]] = []  # the query, and whether the screen held its answer then
    release = threading.Event()
    suggestion_for = browse_app.suggestion_for

    def slow_suggestion(reader, options):
        result = app.search_screen.result
        asked.append((options.query, result is not None and result.query == options.query))
        if options.query == "quy chee":
            release.wait(10)
        return suggestion_for(reader, options)

    monkeypatch.setattr(browse_app, "suggestion_for", slow_suggestion)
    app = BrowseApp(seed_ix, SearchOptions(""))

    async def scenario():
        async with app.run_test() as pilot:
            await pilot.press(*"quy chee")
            await wait_until(pilot, lambda: ("quy chee", True) in asked)
            shown = screen_text(app)
            assert "nothing matched" in shown and "did you mean" not in shown
            await pilot.press("x")  # while "quy chee"'s did-you-mean is still being looked for
            release.set()
            await settle(pilot, app)
            assert asked[-1] == ("quy cheex", True) and app.search_screen.result.query == "quy cheex"
            assert "nothing matched" in screen_text(app)
            await pilot.press("backspace")
            await settle(pilot, app)
            assert "nothing matched · did you mean: quy chế" in screen_text(app)
            assert all(on_screen for _, on_screen in asked)

    run(scenario())


def test_enter_reads_the_selected_hit_with_every_match_and_escape_keeps_the_place(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("long bien"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot, app)
            assert isinstance(app.screen, ReaderScreen)
            second = expected(seed_ix, "long bien").hits[1]
            assert app.screen.record["id"] == second.id
            view = app.screen.query_one(ArticleView)
            record = app.screen.record
            shown_matches = [view.text.plain[a:b] for a, b in view.spans]
            assert shown_matches[0] == "Long Biên" and len(shown_matches) >= 2  # the headline's, then the body's
            assert all(fold_text(match) in ("long bien", "long", "bien") for match in shown_matches)
            clauses = browse_app.parse_query("long bien").positive_clauses  # every word the library finds
            found = sum(len(browse_app.match_spans(record[part], clauses)[0]) for part in ("title", "body"))
            assert sum(len(match.split()) for match in shown_matches) == found
            everywhere = len(shown_matches)
            assert f"{everywhere} matches" in screen_text(app)
            await pilot.press("n")
            assert f"match 1 of {everywhere}" in screen_text(app)
            await pilot.press("N", "N")
            assert f"match {everywhere - 1} of {everywhere}" in screen_text(app)
            await pilot.press("q")  # no text field has the focus here
            assert app.return_code == 0 and not app.is_running

        app = BrowseApp(seed_ix, SearchOptions("long bien"))
        app.search_first(24)  # as `lbsearch browse QUERY` does: the first search starts with Textual
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert app.search_screen.generation == 1 and len(app.search_screen.result.hits) == 3
            await pilot.press("down", "down", "up", "enter")
            await settle(pilot, app)
            assert isinstance(app.screen, ReaderScreen)
            await pilot.press("escape")
            await pilot.pause()
            screen = app.search_screen
            assert app.screen is screen
            assert screen.query_text == "long bien"
            assert screen.query_one(browse_app.HitList).selected == 1
            await pilot.press("up", "enter")  # and Enter opens the first one
            await settle(pilot, app)
            assert app.screen.record["id"] == expected(seed_ix, "long bien").hits[0].id

    run(scenario())


def test_moving_near_the_last_hit_asks_for_more_and_keeps_the_selection(seed_ix, monkeypatch):
    monkeypatch.setattr(browse_app, "MIN_PAGE", 1)

    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("cong doan"))
        async with app.run_test(size=(80, 12)) as pilot:  # room for 2 hits: 4 are asked for
            await settle(pilot, app)
            screen = app.search_screen
            assert len(screen.result.hits) == 4 and screen.result.total == 5
            await pilot.press("down")
            await settle(pilot, app)
            assert len(screen.result.hits) == 5 and screen.query_one(browse_app.HitList).selected == 1
            await pilot.press("pagedown", "pagedown", "pagedown")
            assert screen.query_one(browse_app.HitList).selected == 4

    run(scenario())


def test_district_picker_takes_names_without_accents(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("cong doan"))
        async with app.run_test() as pilot:
            await settle(pilot, app)
            await pilot.press("ctrl+d")
            assert isinstance(app.screen, DistrictPicker)
            await pilot.press(*"gia lam")
            await pilot.press("enter")
            await settle(pilot, app)
            shown = screen_text(app)
            assert "district Gia Lâm" in shown
            result = expected(seed_ix, "cong doan", districts=[resolve_district("Gia Lâm")])
            assert f"{result.total} matches" in shown
            assert all("Gia Lâm" in hit.districts for hit in app.search_screen.result.hits)
            await pilot.press("ctrl+d", "enter")  # "any district" clears it
            await settle(pilot, app)
            assert "district any" in screen_text(app)

    run(scenario())


def test_dates_and_order_by_key_and_ctrl_r_clears_them(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("cong doan"))
        async with app.run_test() as pilot:
            await settle(pilot, app)
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, DatePicker)
            await pilot.press(*"2022-13")
            assert "'2022-13' is not a date: there is no month 13" in screen_text(app)
            await pilot.press("enter")  # refused: the dialog stays
            assert isinstance(app.screen, DatePicker)
            await pilot.press("ctrl+u", *"2022")
            assert "→ 2022-01-01" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot, app)
            shown = screen_text(app)
            result = expected(seed_ix, "cong doan", since=date(2022, 1, 1))
            assert "since 2022-01-01" in shown
            assert f"{result.total} matches ({result.undated_excluded} undated left out)" in shown
            await pilot.press("ctrl+o")
            await settle(pilot, app)
            assert "order newest" in screen_text(app)
            assert [h.id for h in app.search_screen.result.hits] == [
                h.id for h in expected(seed_ix, "cong doan", since=date(2022, 1, 1), sort="newest").hits]
            await pilot.press("ctrl+s")
            await pilot.press("tab", *"1m", "enter")  # an everyday form (a month ago), in until
            await settle(pilot, app)
            assert app.options.until is not None
            await pilot.press("ctrl+r")
            await settle(pilot, app)
            assert "order relevance  since any  until any  district any" in screen_text(app)

    run(scenario())


def test_copy_the_id_or_address_help_and_quitting(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("phoi hop"))
        async with app.run_test() as pilot:
            await settle(pilot, app)
            hits = app.search_screen.query_one(browse_app.HitList)
            await pilot.click(hits, offset=(3, 2 * browse_app.HIT_LINES + 1))  # the third hit's meta line
            await pilot.press("ctrl+y")
            assert hits.selected == 2 and app.clipboard == expected(seed_ix, "phoi hop").hits[2].id
            await pilot.press("up", "ctrl+l")  # no address in a text file: said, nothing copied
            assert app.clipboard == expected(seed_ix, "phoi hop").hits[2].id
            await pilot.press("?")
            assert isinstance(app.screen, HelpScreen) and "Ctrl+D" in screen_text(app)
            await pilot.press("escape", "f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await pilot.double_click(hits, offset=(3, 0))
            await settle(pilot, app)
            assert isinstance(app.screen, ReaderScreen)
            await pilot.press("escape")
            await pilot.press("q")  # typed into the query, not a quit
            assert app.is_running and app.search_screen.query_text == "phoi hopq"
            await pilot.press("ctrl+d", "ctrl+c")  # from a picker too
        assert app.return_code == 130

    run(scenario())


def test_usable_narrow_and_follows_a_resize(seed_ix):
    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions("long bien"))
        async with app.run_test(size=(40, 12)) as pilot:
            await settle(pilot, app)
            lines = screen_text(app).splitlines()
            assert len(lines) == 12 and all(len(line) <= 40 for line in lines)
            assert any(line.startswith("▌1. ") for line in lines)
            assert "per year" not in "\n".join(lines) and "districts" not in "\n".join(lines)
            await pilot.resize_terminal(130, 30)
            await settle(pilot, app)
            assert "districts" in screen_text(app)  # wide: the counts beside the hits

    run(scenario())


def test_a_query_longer_than_its_line_scrolls_with_the_cursor(seed_ix):
    query = "quy che phoi hop giua cong doan va chinh quyen long bien"

    async def scenario():
        app = BrowseApp(seed_ix, SearchOptions(query[:-10]))
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.press(*query[-10:])
            await settle(pilot, app)
            assert screen_text(app).splitlines()[0].rstrip().endswith("quyen long bien")
            await pilot.press("home")
            await pilot.pause()
            assert screen_text(app).splitlines()[0].startswith("› quy che phoi hop giua")

    run(scenario())


def test_corpus_text_is_shown_literally_never_as_markup_or_escape_codes():
    palette = browse_app.Palette(no_color=False)
    hit = Hit(id="x[/]", path="p", url=None, title="[bold red]Long Biên\x1b[2J", date=None, date_source=None,
              districts=["[link=x]"], score=1.0, snippet="a \x1b]52;c;AAAA\x07 long bien [b]", highlights=[[17, 26]],
              title_highlights=[[10, 19]])
    from rich.console import Console

    lines = browse_app.hit_lines(hit, 1, 60, Console(width=60), palette)
    assert all(isinstance(line, Text) for line in lines)
    shown = Text("\n").join(lines)
    assert "[bold red]Long Biên" in shown.plain and "[link=x]" in shown.plain and "[b]" in shown.plain
    assert "\x1b" not in shown.plain and "\x07" not in shown.plain
    record = {"id": "i", "title": "[i]t\x1b[0m", "date": None, "districts": [], "url": "http://x/\x1b",
              "path": "p", "copies": [], "body": "[b]long bien\nsecond \x1b[31m long bien"}
    text, spans = browse_app.article_text(record, "long bien", palette)
    assert "\x1b" not in text.plain and "[b]long bien" in text.plain
    assert [text.plain[a:b] for a, b in spans] == ["long bien", "long bien"]
    assert text.plain.count("\n\n") == 2  # a blank line before the body and between its paragraphs


def test_no_color_keeps_highlights_visible(seed_ix, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = BrowseApp(seed_ix, SearchOptions("x"))
    assert app.no_color and app.palette.match.underline and app.palette.match.color is None


def test_the_terminal_s_own_colours_from_the_start(seed_ix):
    app = BrowseApp(seed_ix, SearchOptions("x"))
    assert app.theme == "ansi-dark" and app.current_theme.name == "ansi-dark" and app.ansi_color


def test_browse_refuses_without_a_terminal(monkeypatch):
    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    for stdin, stdout, stderr in ((False, True, True), (True, False, True), (True, True, False)):
        monkeypatch.setattr(sys, "stdin", Stream(stdin))
        monkeypatch.setattr(sys, "stdout", Stream(stdout))
        monkeypatch.setattr(sys, "stderr", Stream(stderr))
        assert "lbsearch search" in browse.not_a_terminal()
    for name in ("stdin", "stdout", "stderr"):
        monkeypatch.setattr(sys, name, Stream(True))
    assert browse.not_a_terminal() is None


def _cli_has_browse() -> bool:
    import typer

    from lbsearch import cli

    return "browse" in typer.main.get_command(cli.app).commands


needs_command = pytest.mark.skipif(not _cli_has_browse(), reason="`lbsearch browse` is not in cli.py yet")


@needs_command
def test_the_command_refuses_a_pipe_with_status_2(seed_index):
    done = subprocess.run([sys.executable, "-m", "lbsearch", "browse", "long bien", "--index", str(seed_index)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "lbsearch search" in done.stderr


def test_other_commands_never_load_textual():
    loaded = subprocess.run([sys.executable, "-c", "import sys; from lbsearch.cli import main; "
                             "main(['search', '--help']); print('textual' in sys.modules)"],
                            capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip().endswith("False")


class Tmux:
    """A private tmux server with one window, for the real command in a real terminal."""

    def __init__(self, folder: Path):
        self.socket = str(folder / "tmux.sock")

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              timeout=20).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.screen()}")


@needs_command
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_a_real_terminal_type_read_come_back_and_ctrl_c_leaves_a_working_shell(seed_index, tmp_path):
    tmux = Tmux(tmp_path)
    env = {**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TMUX")},
           "LBSEARCH_INDEX": str(seed_index), "TERM": "xterm-256color"}
    subprocess.run(["tmux", "-S", tmux.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "90",
                    "-y", "26", "sh"], env=env, check=True, timeout=20)
    try:
        tmux("set", "-s", "escape-time", "0")
        tmux("send-keys", "-t", "t", f"{sys.executable} -m lbsearch browse", "Enter")
        tmux.wait_for("type to search")
        assert tmux("display", "-p", "-t", "t", "#{alternate_on}").strip() == "1"
        tmux("send-keys", "-t", "t", "-l", "long bien")
        tmux.wait_for("3 matches")
        shown = tmux.wait_for("1. LĐLĐ quận Long Biên")
        tmux("send-keys", "-t", "t", "Enter")
        tmux.wait_for("n/N next/previous")
        tmux("send-keys", "-t", "t", "Escape")
        shown = tmux.wait_for("3 matches")
        assert "› long bien" in shown
        tmux("send-keys", "-t", "t", "C-c")
        deadline = time.monotonic() + 20
        while tmux("display", "-p", "-t", "t", "#{alternate_on}").strip() != "0":  # the app's screen left
            assert time.monotonic() < deadline, tmux.screen()
            time.sleep(0.1)
        assert tmux("display", "-p", "-t", "t", "#{mouse_any_flag} #{cursor_flag}").split() == ["0", "1"]
        tmux("send-keys", "-t", "t", "echo status $? and $((20 + 22))", "Enter")
        shown = tmux.wait_for("status 130 and 42")
        assert "type to search" not in shown and "›" not in shown
    finally:
        tmux("kill-server")
