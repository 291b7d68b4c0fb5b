"""The full-screen app of `lbsearch browse` (Textual): search as you type, and read the
articles found. lbsearch/browse.py starts it, once the command line has checked the
terminal and opened the index; the command line itself never imports this module.

This module owns the interactive screens only. Every answer comes from the
library functions `lbsearch search`, `show` and `stats` call (imported in one
block below): this module never ranks, counts or parses a date itself.

How a keystroke becomes results: the query line posts each change with a new
generation number to one background thread, the only code that touches the
index. That thread always takes the newest request waiting (requests typed
while it was busy are skipped, which is the debounce), and an answer is drawn
only when its generation is still the newest: a slow search for an early query
can never be drawn over a later one. The counts of a query (timeline,
districts) are asked for once typing pauses, after its hits are on screen, and
the did-you-mean of a query that found nothing once "nothing matched" is: both
cost as much as a search, and neither holds up the frame that answers a key.

Text from the corpus is untrusted: hits are drawn with render's highlighted()
and meta_line(), as `search` draws them, and the rest goes through printable()
(control characters to spaces, which keeps the offsets of the reading view's
matches) into rich.text.Text objects, never markup strings: a title holding
"[bold]" or an escape sequence is shown literally and cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

# Textual draws a change at its next frame tick: at 120 ticks a second rather than its
# default 60, new hits reach the screen about 8 ms sooner. Read once, when Textual loads.
os.environ.setdefault("TEXTUAL_FPS", "120")

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.screen import ModalScreen, Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

# The library, in one place: the same functions the other commands call (and get_article,
# imported where an article is opened: its module loads the page reader, which the first
# screen does not need).
from .completion import district_names
from .dates import DateInputError, parse_user_date
from .places import District, districts as all_districts, resolve_district, typed_key
from .plan import SORTS, parse_query
from .query import QueryError, SearchOptions, search, suggestion_for
from .render import highlighted, meta_line, timeline_rows
from .snippets import match_spans
from .stats import corpus_stats
from .text import printable

__all__ = ["BrowseApp"]

STATS_DELAY = 0.15  # seconds of no typing before a query's counts are asked for
HIT_LINES = 5  # title, meta line, two lines of snippet, the rule between hits
MIN_PAGE = 8  # hits asked for at least; more when the screen is taller
MORE_WHEN_LEFT = 2  # ask for the next hits when the selection is this close to the last
TOP_DISTRICTS = 8
SPARK = "▁▂▃▄▅▆▇█"
EXIT_QUIT, EXIT_INTERRUPTED = 0, 130


# --- the one thread that reads the index -----------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str  # "article", "search", "suggest" (the did-you-mean) or "stats"
    generation: int
    options: SearchOptions
    article_id: str = ""


@dataclass
class Answer:
    """What the index said: a SearchResult, a did-you-mean (or None), a Stats, an article
    record (or None), or the one-line message of an error."""

    request: Request
    value: object = None
    error: str | None = None


class Librarian(threading.Thread):
    """The only thread that uses the reader (Whoosh's is not thread-safe), one request at a
    time: an article first, then the newest search, its did-you-mean, then the newest
    counts. Requests of a kind replace each other while they wait, so a burst of keystrokes
    costs one search."""

    ORDER = ("article", "search", "suggest", "stats")

    def __init__(self, reader, deliver: Callable[[Answer], None]):
        super().__init__(name="lbsearch-browse", daemon=True)
        self.reader = reader
        self.deliver = deliver
        self._waiting: dict[str, Request] = {}
        self._wake = threading.Condition()
        self._stopped = False
        self._working = False

    @property
    def busy(self) -> bool:
        """Answering, or with a request waiting."""
        return self._working or bool(self._waiting)

    def ask(self, request: Request) -> None:
        with self._wake:
            if request.kind == "search":  # the did-you-mean or counts of an older query: not wanted
                self._waiting.pop("suggest", None)
                self._waiting.pop("stats", None)
            self._waiting[request.kind] = request
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                request = self._waiting.pop(next(k for k in self.ORDER if k in self._waiting))
                self._working = True
            try:
                self._answer(request)
            except (QueryError, DateInputError) as err:
                self.deliver(Answer(request, error=str(err)))
            except Exception as err:  # a damaged index, a vanished file: one line, not a crash
                self.deliver(Answer(request, error=f"{type(err).__name__}: {err}"))
            finally:
                self._working = False

    def _answer(self, request: Request) -> None:
        options = request.options
        if request.kind == "article":
            from .articles import get_article

            self.deliver(Answer(request, get_article(self.reader, request.article_id)))
        elif request.kind == "stats":
            self.deliver(Answer(request, corpus_stats(self.reader, options)))
        elif request.kind == "suggest":
            self.deliver(Answer(request, suggestion_for(self.reader, options)))
        else:
            # The did-you-mean of a query that found nothing (most half-typed words) is
            # asked for apart, once "nothing matched" is on screen: looking for it here
            # would hold up that frame.
            self.deliver(Answer(request, search(self.reader, replace(options, suggest=False))))


# --- what is drawn ------------------------------------------------------------------------


class Palette:
    """The styles of the app; highlights that stay visible without colour under NO_COLOR."""

    def __init__(self, no_color: bool):
        self.match = Style(bold=True, underline=True) if no_color else Style(bold=True, color="yellow")
        self.current = Style(reverse=True, bold=True)
        self.dim = Style(dim=True)
        self.error = Style(bold=True) if no_color else Style(bold=True, color="red")
        self.bar = Style() if no_color else Style(color="cyan")


def hit_lines(hit, rank: int, width: int, console, palette: Palette) -> list[Text]:
    """A hit as the list shows it, one Text per line: the headline, date · districts · id ·
    copies, and the snippet cut to two lines from a little before its first match."""
    width = max(width, 10)
    title = Text(f"{rank}. ", style="bold")
    title.append_text(highlighted(hit.title, hit.title_highlights, palette.match, "bold"))
    title.truncate(width, overflow="ellipsis")
    meta = meta_line(hit.date, hit.districts, hit.id, len(hit.copies), palette.dim)
    meta.truncate(width, overflow="ellipsis")
    snippet = highlighted(hit.snippet, hit.highlights, palette.match)
    first = hit.highlights[0][0] if hit.highlights else 0
    start = snippet.plain.rfind(" ", 0, max(0, first - width // 3)) + 1 if first > width // 3 else 0
    if start:
        snippet = Text("…").append_text(snippet[start:])
    lines = list(snippet.wrap(console, width))
    if len(lines) > 2:
        lines[1].rstrip()
        lines[1].append("…")
        lines[1].truncate(width, overflow="ellipsis")
    return [title, meta, *lines[:2]]


def filters_line(options: SearchOptions) -> Text:
    """The active filters, always on screen."""
    line = Text()
    parts = [
        ("order", options.sort),
        ("since", options.since.isoformat() if options.since else "any"),
        ("until", options.until.isoformat() if options.until else "any"),
        ("district", ", ".join(d.name for d in options.districts) or "any"),
    ]
    for number, (name, value) in enumerate(parts):
        if number:
            line.append("  ")
        line.append(f"{name} ", style="dim")
        line.append(value, style="bold" if value not in ("any", "relevance") else "")
    if options.all_copies:
        line.append("  every copy", style="bold")
    return line


def sparkline(stats: dict) -> Text:
    rows = timeline_rows(stats)
    if len(rows) < 2:
        return Text(rows[0][0] if rows else "")
    largest = max(count for _, count in rows) or 1
    bars = "".join(SPARK[min(7, (count * 8 - 1) // largest)] if count else " " for _, count in rows)
    return Text(f"{rows[0][0]} ").append(bars, style="cyan").append(f" {rows[-1][0]}")


def counts_text(stats: dict, height: int, palette: Palette) -> Text:
    """The counts of the query beside the hits: the timeline and the districts as bars."""
    out = Text()
    rows = timeline_rows(stats)
    districts = list(stats["per_district"].items())[:TOP_DISTRICTS]
    room = max(3, height - len(districts) - 4)
    if len(rows) > room:  # the latest months or years that fit
        rows = rows[-room:]
    for heading, bars in (("per month" if rows and len(rows[0][0]) == 7 else "per year", rows),
                          ("districts", districts)):
        if not bars:
            continue
        if out:
            out.append("\n\n")
        out.append(heading, style="bold")
        label_width = max(len(label) for label, _ in bars)
        largest = max(count for _, count in bars) or 1
        for label, count in bars:
            out.append("\n" + printable(label)[:16].ljust(min(label_width, 16)) + " ")
            out.append("█" * max(1 if count else 0, round(count * 8 / largest)), style=palette.bar)
            out.append(f" {count}")
    return out


# --- widgets ------------------------------------------------------------------------------


class HitList(ScrollView, can_focus=False):
    """The hits, drawn line by line from Text rendered once per answer (a list of widgets
    or an OptionList costs a frame or two per keystroke). The query line keeps the focus,
    so typing never stops; a click or the wheel selects, a double click reads. The
    selected hit has a bar beside it and its headline reversed: visible in any palette,
    and without colour."""

    DEFAULT_CSS = """
    HitList { overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1; }
    HitList > .hitlist--selected { text-style: reverse; }
    HitList > .hitlist--gutter { color: $accent; text-style: bold; }
    HitList > .hitlist--rule { color: $foreground 20%; }
    """
    COMPONENT_CLASSES = {"hitlist--selected", "hitlist--gutter", "hitlist--rule"}

    class Moved(Message):
        def __init__(self, index: int):
            super().__init__()
            self.index = index

    class Chosen(Message):
        pass

    def __init__(self, palette: Palette, **kwargs):
        super().__init__(**kwargs)
        self.palette = palette
        self.hits: list = []
        self.selected = 0
        self._lines: list[tuple[int, Text]] = []  # (hit number, or -1 for a rule; the line)
        self._first_line: list[int] = []
        self._strips: dict[tuple[int, bool], Strip] = {}
        self._width = 0
        self._style = Style()  # the widget's own style, looked up once a frame (render_lines)

    def show(self, hits: list, keep: bool = False) -> None:
        """Show these hits; keep: the selection and the scroll stay where they were."""
        self.hits = hits
        if not keep:
            self.selected = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        self.selected = min(self.selected, max(0, len(hits) - 1))
        self._build()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._build()
            self._into_view()

    def _build(self) -> None:
        self._width = self.scrollable_content_region.width
        width = self._width - 1  # the gutter that marks the selection
        self._lines, self._first_line, self._strips = [], [], {}
        if width <= 0:
            return
        console = self.app.console
        rule = Text("─" * width)
        for number, hit in enumerate(self.hits):
            self._first_line.append(len(self._lines))
            self._lines += [(number, line) for line in hit_lines(hit, number + 1, width, console, self.palette)]
            self._lines.append((-1, rule))
        self.virtual_size = Size(self._width, len(self._lines))
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # rich_style walks up the widget tree for the background: once a frame, not once a line.
        self._style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(self.scrollable_content_region.width, self._style)
        number, line = self._lines[index]
        selected = number == self.selected
        strip = self._strips.get((index, selected))
        if strip is None:
            gutter = Segment("▌" if selected else " ",
                             self.get_component_rich_style("hitlist--gutter") if selected else None)
            style = self.get_component_rich_style("hitlist--rule") if number < 0 else None
            strip = Strip([gutter, *line.render(self.app.console)]).adjust_cell_length(self._width)
            if style:
                strip = strip.apply_style(style)
            if selected and index == self._first_line[number]:
                strip = strip.apply_style(self.get_component_rich_style("hitlist--selected"))
            self._strips[(index, selected)] = strip = strip.apply_style(self._style)
        return strip

    def select(self, number: int) -> None:
        if not self.hits:
            return
        number = max(0, min(number, len(self.hits) - 1))
        if number != self.selected:
            self.selected = number
            self.refresh()
            self.post_message(self.Moved(number))
        self._into_view()

    def _into_view(self) -> None:
        if self._first_line and self.selected < len(self._first_line):
            top = self._first_line[self.selected]
            self.scroll_to_region(Region(0, top, self._width, HIT_LINES - 1), animate=False, immediate=True)

    def move(self, step: int) -> None:
        self.select(self.selected + step)

    def page(self, direction: int) -> None:
        self.select(self.selected + direction * max(1, self.scrollable_content_region.height // HIT_LINES))

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()  # the wheel moves the selection, as in fzf; the view follows
        self.move(1)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.move(-1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y
        if index < len(self._lines):
            number = self._lines[index][0]
            self.select(number if number >= 0 else self._lines[index - 1][0])
            if event.chain >= 2:
                self.post_message(self.Chosen())


class QueryLine(Input):
    """The query; "?" opens the key list instead of being typed (it means nothing in a query).
    The cursor does not blink: a blinking one redraws the screen twice a second for nothing."""

    cursor_blink = reactive(False, init=False)
    # Input sets its virtual size (the text's width) at each keystroke, and Widget's is a
    # reactive that lays the whole screen out again, which also redraws the hits' scroll bar
    # in a frame of its own. The line's own size never depends on its text: a repaint will do.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != "?" and super().check_consume_key(key, character)


class ArticleView(ScrollView, can_focus=True):
    """An article, wrapped to the width, with its matches highlighted and the current
    one reversed; knows the line each match falls on, for n and N."""

    DEFAULT_CSS = "ArticleView { overflow-x: hidden; padding: 0 1; }"

    def __init__(self, text: Text, spans: list[tuple[int, int]], palette: Palette, **kwargs):
        super().__init__(**kwargs)
        self.text = text
        self.spans = spans  # [start, end) of each match in text, in order
        self.palette = palette
        self.current: int | None = None
        self._strips: list[Strip] = []
        self._match_lines: list[int] = []
        self._width = 0

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        self._width = width
        shown = self.text.copy()
        for number, (start, end) in enumerate(self.spans):
            style = self.palette.current if number == self.current else self.palette.match
            shown.stylize(style + Style(meta={"match": number}), start, end)
        console = self.app.console
        lines = shown.wrap(console, width)
        self._strips = [Strip(list(line.render(console)), line.cell_len) for line in lines]
        first_line: dict[int, int] = {}
        for y, line in enumerate(lines):
            for span in line.spans:
                if isinstance(span.style, Style) and span.style.meta.get("match") is not None:
                    first_line.setdefault(span.style.meta["match"], y)
        self._match_lines = [first_line.get(n, 0) for n in range(len(self.spans))]
        self.virtual_size = Size(width, len(self._strips))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        if index >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        return self._strips[index].crop_extend(scroll_x, scroll_x + width, self.rich_style).apply_style(
            self.rich_style)

    def jump(self, step: int) -> None:
        """Make the next (step 1) or previous (-1) match the current one and bring it into view."""
        if not self.spans:
            return
        if self.current is None:
            self.current = 0 if step > 0 else len(self.spans) - 1
        else:
            self.current = (self.current + step) % len(self.spans)
        self._layout()
        line = self._match_lines[self.current]
        self.scroll_to(y=max(0, line - self.scrollable_content_region.height // 3), animate=False)


# --- screens ------------------------------------------------------------------------------

KEYS = [
    ("while typing", [
        ("↑ ↓ PgUp PgDn", "move the selection (click; double click reads)"),
        ("Enter", "read the selected article"),
        ("Tab", "search for the did-you-mean"),
        ("Ctrl+D", "district: type a name, accents optional"),
        ("Ctrl+S", "dates: 2024, 2024-05, last month, tháng trước, 3m"),
        ("Ctrl+O", "order: relevance, newest, oldest"),
        ("Ctrl+R", "clear the filters"),
        ("Ctrl+Y Ctrl+L", "copy the id / the address of the selection"),
        ("Ctrl+U Ctrl+W", "clear the query / delete a word"),
    ]),
    ("reading", [
        ("n N", "next / previous match"),
        ("↑ ↓ PgUp Space", "scroll"),
        ("y l", "copy the id / the address"),
        ("Esc", "back to the hits: query and selection kept"),
    ]),
    ("anywhere", [
        ("F1 ?", "this list"),
        ("Ctrl+C  q", "quit (q where no text is typed)"),
        ("Ctrl+Z", "suspend; the shell's fg resumes"),
    ]),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,f1,enter", "close", show=False),
        Binding("q", "app.quit_browse", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: auto; max-width: 100%; height: auto; max-height: 100%;
                          border: round $accent; padding: 0 1; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        text = Text()
        for heading, keys in KEYS:
            if text:
                text.append("\n")
            text.append(heading, style="dim")
            for key, what in keys:
                text.append(f"\n {key:<15}", style="bold").append(what)
        text.append("\nEsc closes this list", style="dim")
        yield Static(text)

    def action_close(self) -> None:
        self.dismiss()


class DistrictPicker(ModalScreen["list[District] | None"]):
    """Type part of a name without accents ("long b", "ung hoa"); Enter adds the selected
    district to the filter, or removes it when it is already there."""

    BINDINGS = [
        Binding("escape", "cancel", show=False),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("down", "move(1)", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    DistrictPicker { align: center middle; }
    DistrictPicker > Vertical { width: 44; max-width: 100%; height: auto; max-height: 100%;
                                border: round $accent; background: $surface; }
    DistrictPicker OptionList { height: auto; max-height: 16; border: none; padding: 0; }
    DistrictPicker Static { color: $text-muted; }
    """

    ANY = "__any__"

    def __init__(self, chosen: list[District]):
        super().__init__()
        self.chosen = list(chosen)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("district, accents optional: Enter adds or removes it"))
            yield Input(placeholder="long bien, gia lam, ung hoa...", id="district-name", compact=True,
                        select_on_focus=False)
            yield OptionList(id="district-list", compact=True)

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, typed: str) -> None:
        names = list(district_names(typed))
        key = typed_key(typed) if typed.strip() else ""
        if key:  # then the names that hold it further on: "bien" finds Long Biên
            names += [d.name for d in all_districts() if key in d.key and d.name not in names
                      and not any(d.key == resolve_district(n).key for n in names)]
        chosen = {d.key for d in self.chosen}
        options = [Option(Text("any district (clear)", style="italic"), id=self.ANY)] if self.chosen else []
        for name in names:
            mark = "✓ " if resolve_district(name).key in chosen else "  "
            options.append(Option(Text(mark + str(name)), id=str(name)))
        listing = self.query_one(OptionList)
        listing.set_options(options)
        if options:
            listing.highlighted = 1 if self.chosen and len(options) > 1 and typed.strip() else 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def on_input_submitted(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is None:
            self.app.bell()
            return
        self._pick(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, name: str | None) -> None:
        if name == self.ANY:
            self.dismiss([])
            return
        district = resolve_district(name or "")
        kept = [d for d in self.chosen if d.key != district.key]
        self.dismiss(kept if len(kept) < len(self.chosen) else [*self.chosen, district])

    def action_cancel(self) -> None:
        self.dismiss(None)


class DatePicker(ModalScreen["tuple[date | None, date | None] | None"]):
    """Since and until in every form --since and --until take; each field shows the days it
    covers as you type. Enter applies both, an empty field is no bound, Esc closes."""

    BINDINGS = [Binding("escape", "cancel", show=False)]
    DEFAULT_CSS = """
    DatePicker { align: center middle; }
    DatePicker > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent;
                            background: $surface; }
    DatePicker Horizontal { height: 1; }
    DatePicker .label { width: 7; }
    DatePicker Input { width: 1fr; }
    DatePicker .shows { color: $text-muted; padding-left: 7; }
    """

    def __init__(self, since: date | None, until: date | None):
        super().__init__()
        self.initial = (since, until)

    def compose(self) -> ComposeResult:
        since, until = self.initial
        with Vertical():
            yield Static(Text("2024, 2024-05, 20/05/2024, last month, tháng trước, 3m, 2w"))
            for name, value in (("since", since), ("until", until)):
                with Horizontal():
                    yield Static(Text(name), classes="label")
                    yield Input(value.isoformat() if value else "", id=name, compact=True,
                                placeholder="any", select_on_focus=False)
                yield Static(id=f"{name}-shows", classes="shows")
            yield Static(Text("Tab: the other field · Enter: apply · Esc: close"), classes="shows")

    def on_mount(self) -> None:
        for name in ("since", "until"):
            self._show(name, self.query_one(f"#{name}", Input).value)

    def _parse(self, name: str, typed: str) -> date | None:
        if not typed.strip():
            return None
        first, last = parse_user_date(typed)
        return first if name == "since" else last

    def _show(self, name: str, typed: str) -> None:
        shows = self.query_one(f"#{name}-shows", Static)
        try:
            value = self._parse(name, typed)
        except DateInputError as err:
            shows.update(Text(printable(str(err)).split(": use ")[0], style="bold"))
            return
        shows.update(Text(f"→ {value.isoformat()}" if value else "→ no bound"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.input.id or "", event.value)

    def on_input_submitted(self) -> None:
        try:
            since = self._parse("since", self.query_one("#since", Input).value)
            until = self._parse("until", self.query_one("#until", Input).value)
            SearchOptions(None, since=since, until=until)  # its own check: since after until
        except (DateInputError, QueryError) as err:
            self.query_one("#until-shows", Static).update(Text(printable(str(err)), style="bold"))
            self.app.bell()
            return
        self.dismiss((since, until))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReaderScreen(Screen[None]):
    """One article, every match of the query highlighted; n and N go from one to the next."""

    BINDINGS = [
        Binding("escape,backspace", "back", "back"),
        Binding("n", "jump(1)", "next match"),
        Binding("N", "jump(-1)", "previous match"),
        Binding("space", "page", show=False),
        Binding("y,ctrl+y", "app.copy('id')", "copy id"),
        Binding("l,ctrl+l", "app.copy('url')", "copy address"),
        Binding("question_mark", "app.keys", show=False),
    ]
    DEFAULT_CSS = """
    ReaderScreen ArticleView { height: 1fr; }
    ReaderScreen #reader-status { height: 1; background: $panel; }
    """

    def __init__(self, record: dict, query: str, palette: Palette):
        super().__init__()
        self.record = record
        self.text, self.spans = article_text(record, query, palette)
        self.palette = palette

    def compose(self) -> ComposeResult:
        yield ArticleView(self.text, self.spans, self.palette, id="article")
        yield Static(id="reader-status")

    def on_mount(self) -> None:
        self.query_one(ArticleView).focus()
        self._status()

    def on_resize(self) -> None:
        self._status()

    def _status(self) -> None:
        view = self.query_one(ArticleView)
        count = len(self.spans)
        where = (f"match {view.current + 1} of {count}" if view.current is not None
                 else f"{count} {'match' if count == 1 else 'matches'}")
        line = Text(where, style="bold").append("  n/N next/previous · y id · l address · Esc back · q quit",
                                                style="dim")
        line.truncate(max(1, self.size.width), overflow="ellipsis")
        self.query_one("#reader-status", Static).update(line, layout=False)

    def action_jump(self, step: int) -> None:
        self.query_one(ArticleView).jump(step)
        self._status()

    def action_page(self) -> None:
        self.query_one(ArticleView).scroll_page_down(animate=False)

    def action_back(self) -> None:
        self.dismiss()


def article_text(record: dict, query: str, palette: Palette) -> tuple[Text, list[tuple[int, int]]]:
    """The article as one Text (headline, meta lines, paragraphs with a blank line between
    them) and the [start, end) of every match of the query in it, in reading order."""
    try:
        clauses = parse_query(query).positive_clauses if query.strip() else []
    except QueryError:
        clauses = []
    text = Text()
    text.append(printable(record["title"]), style="bold")
    spans = [(a, b) for a, b in (match_spans(record["title"], clauses)[0] if clauses else [])]
    text.append("\n")
    text.append_text(meta_line(record["date"], record["districts"], record["id"], len(record["copies"]), palette.dim))
    for line in ([record["url"]] if record["url"] else []) + [record["path"]] + [
            f"copy: {path}" for path in record["copies"]]:
        text.append("\n" + printable(line), style=palette.dim)
    text.append("\n\n")
    body = record["body"]
    start = len(text.plain)
    # Paragraphs get a blank line between them: each offset moves by the newlines before it.
    newlines = [i for i, ch in enumerate(body) if ch == "\n"]
    text.append("\n\n".join(printable(p) for p in body.split("\n")))
    for a, b in (match_spans(body, clauses)[0] if clauses else []):
        spans.append((start + a + bisect_right(newlines, a - 1), start + b + bisect_right(newlines, b - 1)))
    # Words of the query standing together ("Long Biên") are one match to jump to.
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and text.plain[merged[-1][1]:a] == " ":
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return text, merged


class Answered(Message):
    """An answer from the librarian thread, delivered on the app's loop."""

    def __init__(self, answer: Answer):
        super().__init__()
        self.answer = answer


class SearchScreen(Screen[None]):
    """The query line, the active filters, the total and counts, the hits."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("pageup", "page(-1)", show=False, priority=True),
        Binding("pagedown", "page(1)", show=False, priority=True),
        Binding("ctrl+d", "districts", show=False, priority=True),
        Binding("ctrl+s", "dates", show=False, priority=True),
        Binding("ctrl+o", "order", show=False, priority=True),
        Binding("ctrl+r", "clear_filters", show=False, priority=True),
        Binding("ctrl+y", "app.copy('id')", show=False, priority=True),
        Binding("ctrl+l", "app.copy('url')", show=False, priority=True),
        Binding("tab", "suggestion", show=False, priority=True),
        Binding("question_mark", "app.keys", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    SearchScreen #query-row { height: 1; }
    SearchScreen #prompt { width: 2; color: $accent; text-style: bold; }
    SearchScreen #query { width: 1fr; }
    SearchScreen #filters, SearchScreen #status, SearchScreen #keys { height: 1; }
    SearchScreen #filters { background: $panel; }
    SearchScreen #keys { background: $panel; color: $text-muted; }
    SearchScreen #body { height: 1fr; }
    SearchScreen HitList { height: 1fr; }
    SearchScreen #counts { width: 34; height: 1fr; padding: 0 1; border-left: vkey $panel; }
    """
    WIDE = 110  # columns from which the counts stand beside the hits as bar charts

    def __init__(self, initial_query: str):
        super().__init__()
        self.initial_query = initial_query
        self.generation = 0
        self.result = None  # the SearchResult on screen
        self.shown_generation = -1
        self.stats: dict | None = None
        self._suggestion: str | None = None
        self._stats_timer = None
        self._stats_pending = False
        self._suggestion_pending = False
        self._asked_more = False
        self._asked_text: str | None = None
        self._status_text = Text()

    @property
    def browse(self) -> BrowseApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Horizontal(id="query-row"):
            yield Static(Text("› "), id="prompt")
            yield QueryLine(self.initial_query, placeholder='words, "a phrase", OR, -word (accents optional)',
                        id="query", compact=True, select_on_focus=False)
        yield Static(id="filters")
        yield Static(id="status")
        with Horizontal(id="body"):
            yield HitList(self.browse.palette, id="hits")
            yield Static(id="counts")
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        self._show_filters()
        self._show_keys()
        if not self.generation:  # else the first search was asked for before the screen was up
            self.ask()
        for answer in self.browse.screen_ready():  # drawn with the first frame
            self.on_answered(Answered(answer))
        self.call_after_refresh(self.browse.first_frame_drawn)

    def ask_first(self, librarian: Librarian, options: SearchOptions, rows: int) -> None:
        """Ask for the hits of the initial query while Textual is still starting (the screen
        is not attached to the app yet: what ask() takes from it comes as arguments)."""
        self.generation = 1
        self._asked_text = self.initial_query
        limit = max(MIN_PAGE, rows // HIT_LINES + 2)
        librarian.ask(Request("search", self.generation, replace(options, query=self.initial_query, limit=limit)))

    def on_resize(self) -> None:
        self.query_one("#counts").display = self.size.width >= self.WIDE
        self._show_filters()
        self._show_keys()
        self._status(self._status_text)
        if self.stats is not None:
            self._show_counts()

    # asking

    @property
    def query_text(self) -> str:
        return self.query_one("#query", Input).value

    def page_size(self) -> int:
        return max(MIN_PAGE, self.size.height // HIT_LINES + 2)

    def ask(self, limit: int | None = None) -> None:
        """Ask for the hits of what the query line holds now, under the filters."""
        self.generation += 1
        self._asked_text = self.query_text
        self._asked_more = limit is not None
        if self._stats_timer is not None:
            self._stats_timer.stop()
        self._stats_pending = self._suggestion_pending = False
        options = replace(self.browse.options, query=self.query_text, limit=limit or self.page_size())
        if not options.query.strip():
            self.result = self.stats = None
            self._suggestion = None
            self.shown_generation = self.generation
            self.query_one(HitList).show([])
            self._status_line()
            self._schedule_stats(replace(options, query=None))
            return
        self.browse.librarian.ask(Request("search", self.generation, options))

    @property
    def settled(self) -> bool:
        """Everything asked for is on screen, counts included (for tests and the benchmark)."""
        return (self.shown_generation == self.generation and not self._stats_pending
                and not self._suggestion_pending and not self.browse.librarian.busy)

    def _schedule_stats(self, options: SearchOptions) -> None:
        generation = self.generation
        self._stats_pending = True

        def due() -> None:
            if generation == self.generation:
                self.browse.librarian.ask(Request("stats", generation, options))

        self._stats_timer = self.set_timer(STATS_DELAY, due)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "query" and event.value != self._asked_text:
            self.ask()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.read()

    def on_hit_list_chosen(self) -> None:
        self.read()

    def on_hit_list_moved(self, event: HitList.Moved) -> None:
        result = self.result
        if (result is not None and not self._asked_more and len(result.hits) < result.total
                and event.index >= len(result.hits) - 1 - MORE_WHEN_LEFT):
            self.ask(limit=len(result.hits) + self.page_size())

    # answers

    def on_answered(self, message: Answered) -> None:
        answer = message.answer
        kind = answer.request.kind
        if kind == "article":
            self._open(answer)
            return
        if answer.request.generation != self.generation:
            return  # a newer keystroke or filter asked since: never drawn over it
        if kind == "stats":
            self._stats_pending = False
            if answer.error is None:
                self.stats = answer.value.figures  # type: ignore[union-attr]
                self._show_counts()
                self._status_line()
            return
        if kind == "suggest":
            self._suggestion_pending = False
            if answer.error is None and answer.value and self.result is not None and not self.result.total:
                self.result = replace(self.result, suggestion=answer.value)
                self._suggestion = answer.value  # type: ignore[assignment]
                self._status_line()
            return
        if answer.error is not None:  # an unbalanced quote...: one line, the last hits stay
            self.shown_generation = self.generation
            self._status(Text(printable(answer.error), style=self.browse.palette.error))
            return
        more = self._asked_more  # the next page of the same query: the selection stays
        self._asked_more = False
        if not more:
            self.stats = None
        self.result = answer.value
        self._suggestion = self.result.suggestion  # type: ignore[union-attr]
        self.shown_generation = self.generation
        self.query_one(HitList).show(self.result.hits, keep=more)
        self._status_line()
        self._show_counts()
        if self.result.total and self.stats is None:
            self._schedule_stats(answer.request.options)
        elif not self.result.total and self._suggestion is None:
            self._suggestion_pending = True
            self.call_after_refresh(self._ask_suggestion, self.generation, answer.request.options)

    def _ask_suggestion(self, generation: int, options: SearchOptions) -> None:
        """Look for the did-you-mean once "nothing matched" is on screen, unless the query
        changed meanwhile (its own answer then comes instead)."""
        if generation == self.generation:
            self.browse.librarian.ask(Request("suggest", generation, options))

    def _open(self, answer: Answer) -> None:
        if answer.error is not None or answer.value is None:
            self.notify(printable(answer.error or "that article is gone from the index"), markup=False,
                        severity="error")
            return
        if self.app.screen is self:  # not when a picker opened meanwhile
            self.app.push_screen(ReaderScreen(answer.value, self.query_text, self.browse.palette))

    def _status_line(self) -> None:
        """The total and the counts of the query; with no query, of the index."""
        result, stats = self.result, self.stats
        if result is None and not self.query_text.strip():
            line = Text()
            if stats:
                line.append(f"{stats['articles']:,} articles", style="bold")
                line.append(f" ({stats['undated']:,} undated)  ", style="dim")
            line.append("type to search; F1 lists the keys", style="dim")
        elif result is None or not result.total:
            line = Text("nothing matched", style="bold")
            if self._suggestion:
                line.append(" · did you mean: ").append(printable(self._suggestion), style="bold")
                line.append("  (Tab)", style="dim")
        else:
            line = Text(f"{result.total:,} {'match' if result.total == 1 else 'matches'}", style="bold")
            if result.undated_excluded:
                line.append(f" ({result.undated_excluded:,} undated left out)", style="dim")
        if stats and (result is None or result.total):
            spark = sparkline(stats)
            if spark:
                line.append("  ").append_text(spark)
            top = list(stats["per_district"].items())[:3]
            if top:
                line.append("  " + printable(", ".join(f"{name} {count:,}" for name, count in top)), style="dim")
        self._status(line)

    def _status(self, line: Text) -> None:
        self._status_text = line
        shown = line.copy()
        shown.truncate(max(1, self.size.width), overflow="ellipsis")
        self.query_one("#status", Static).update(shown, layout=False)

    def _show_counts(self) -> None:
        counts = self.query_one("#counts", Static)
        if not self.stats or (self.result is not None and not self.result.total):
            counts.update(Text(), layout=False)
            return
        counts.update(counts_text(self.stats, self.query_one("#body").size.height, self.browse.palette),
                      layout=False)

    def _show_filters(self) -> None:
        line = filters_line(self.browse.options)
        line.truncate(max(1, self.size.width), overflow="ellipsis")
        self.query_one("#filters", Static).update(line, layout=False)

    def _show_keys(self) -> None:
        keys = Text()
        for key, what in (("↑↓", "select"), ("Enter", "read"), ("^D", "district"), ("^S", "dates"),
                          ("^O", "order"), ("F1", "keys"), ("^C", "quit")):
            keys.append(f" {key}", style="bold").append(f" {what} ")
        keys.truncate(max(1, self.size.width), overflow="ellipsis")
        self.query_one("#keys", Static).update(keys, layout=False)

    # keys

    def action_move(self, step: int) -> None:
        self.query_one(HitList).move(step)

    def action_page(self, direction: int) -> None:
        self.query_one(HitList).page(direction)

    def selected_hit(self):
        hits = self.query_one(HitList)
        return hits.hits[hits.selected] if hits.hits else None

    def read(self) -> None:
        hit = self.selected_hit()
        if hit is None:
            self.app.bell()
            return
        self.browse.librarian.ask(Request("article", self.generation, self.browse.options, hit.id))

    def set_filters(self, **changes) -> None:
        try:
            self.browse.options = replace(self.browse.options, **changes)
        except QueryError as err:  # since after until
            self._status(Text(printable(str(err)), style=self.browse.palette.error))
            return
        self._show_filters()
        self.ask()

    def action_districts(self) -> None:
        def chosen(districts: list[District] | None) -> None:
            if districts is not None:
                self.set_filters(districts=districts)

        self.app.push_screen(DistrictPicker(self.browse.options.districts), chosen)

    def action_dates(self) -> None:
        def chosen(dates: tuple[date | None, date | None] | None) -> None:
            if dates is not None:
                self.set_filters(since=dates[0], until=dates[1])

        self.app.push_screen(DatePicker(self.browse.options.since, self.browse.options.until), chosen)

    def action_order(self) -> None:
        sort = self.browse.options.sort
        self.set_filters(sort=SORTS[(SORTS.index(sort) + 1) % len(SORTS)])

    def action_clear_filters(self) -> None:
        self.set_filters(since=None, until=None, districts=[], sort="relevance")

    def action_suggestion(self) -> None:
        if self._suggestion and (self.result is None or not self.result.total):
            query = self.query_one("#query", Input)
            query.value = self._suggestion
            query.cursor_position = len(query.value)


class BrowseApp(App[None]):
    """lbsearch browse: the search screen first; reading, pickers and the key list above it."""

    TITLE = "lbsearch browse"
    ENABLE_COMMAND_PALETTE = False
    # The terminal's own colours and background. A default rather than `self.theme = ...` in
    # __init__: setting it there parses every stylesheet a second time at start-up.
    theme = Reactive("ansi-dark")
    BINDINGS = [
        Binding("ctrl+c", f"quit_browse({EXIT_INTERRUPTED})", show=False, priority=True),
        Binding("f1", "keys", show=False, priority=True),
        Binding("ctrl+z", "suspend_process", show=False, priority=True),  # back with `fg`
        Binding("q", "quit_browse", show=False),
        Binding("question_mark", "keys", show=False),
    ]

    def __init__(self, reader, options: SearchOptions, handle_signals: bool = False,
                 after_first_frame: Callable[[], None] | None = None):
        super().__init__(ansi_color=True)
        self.reader = reader
        self.options = replace(options, query=None)
        self.initial_query = options.query or ""
        self.handle_signals = handle_signals
        self.after_first_frame = after_first_frame  # called once, when the first screen is drawn
        self.palette = Palette(self.no_color)
        self.librarian = Librarian(reader, self._deliver)
        self._held: list[Answer] | None = []  # answers that came before the search screen was up
        self._held_lock = threading.Lock()
        self.search_screen = SearchScreen(self.initial_query)

    def get_default_screen(self) -> Screen:
        return self.search_screen

    def search_first(self, rows: int) -> None:
        """Start searching for the initial query now, before the app runs: the first hits
        are then ready about when the first screen is (rows: the terminal's height)."""
        if self.initial_query.strip():
            self.librarian.start()
            self.search_screen.ask_first(self.librarian, self.options, rows)

    def on_mount(self) -> None:
        if not self.librarian.is_alive():
            self.librarian.start()
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(number, self.exit, None, 128 + number)

    def on_unmount(self) -> None:
        self.librarian.stop()

    def _deliver(self, answer: Answer) -> None:
        """Called on the librarian's thread: post_message is thread-safe. An answer that
        comes before the search screen is up waits for it (screen_ready)."""
        with self._held_lock:
            if self._held is not None:
                self._held.append(answer)
                return
        self.search_screen.post_message(Answered(answer))

    def first_frame_drawn(self) -> None:
        if self.after_first_frame is not None:
            self.after_first_frame, call = None, self.after_first_frame
            call()

    def screen_ready(self) -> list[Answer]:
        """The answers that came before the search screen was up; later ones are posted to it."""
        with self._held_lock:
            held, self._held = self._held or [], None
        return held

    def action_quit_browse(self, status: int = EXIT_QUIT) -> None:
        self.exit(return_code=status)

    def action_keys(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen())

    def action_copy(self, what: str) -> None:
        """Copy the id or the address of the article being read, or of the selected hit (OSC 52)."""
        if isinstance(self.screen, ReaderScreen):
            record = self.screen.record
            value = record["id"] if what == "id" else record["url"]
        else:
            hit = self.search_screen.selected_hit()
            if hit is None:
                self.bell()
                return
            value = hit.id if what == "id" else hit.url
        if not value:
            self.notify("this article has no address", markup=False, severity="warning", timeout=3)
            return
        self.copy_to_clipboard(value)
        self.notify(f"copied {printable(value)}", markup=False, timeout=2)
