"""Everything the user sees: Rich output for terminals, JSON and JSON Lines for pipes.

The only module that imports Rich. Every string that comes from the corpus (path,
id, address, title, body, snippet, warning) goes through text.visible() and into
rich.text.Text objects (never into markup strings): a title holding "[bold]" is
shown literally, and a file name holding a newline, an escape sequence or an
undecodable byte is shown as "\\n", "\\x1b", "\\xff", never acted on by the
terminal. JSON keeps such text exact, except undecodable bytes, which UTF-8
cannot carry: they are written as "\\xff" too. Rich is imported inside the
functions that draw, so that JSON output does not wait for it to load.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import asdict
from typing import IO, TYPE_CHECKING

from .text import visible, visible_spans, without_surrogates

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


    from .query import Hit, SearchResult

HIGHLIGHT_STYLE = "bold yellow"
# The version of every --json document's shape (data/*.schema.json): raised when
# a key is removed, renamed or changes its meaning; a new key leaves it as it is.
JSON_SCHEMA_VERSION = 1


def console(stream: IO[str] | None = None) -> Console:
    """A console that never interprets markup, emoji codes or 'highlights' numbers by itself.

    Rich leaves out colour and escape codes when the stream is not a terminal,
    and honours NO_COLOR. A closed pipe raises BrokenPipeError, for the command
    to end with the status it earned (Rich itself would exit with status 1).
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return _Console(
        file=stream or sys.stdout, highlight=False, markup=False, emoji=False, soft_wrap=True
    )


def line(out: Console, message: str, style: str = "") -> None:
    """One line of lbsearch's own, shown literally: no markup, control characters escaped."""
    from rich.text import Text

    out.print(Text(visible(message), style=style))


@contextmanager
def progress_bar(out: Console, label: str):
    """A transient progress bar on out; yields the callback (done, total) that moves it.
    Rich keeps the bar below the warnings printed through the same console."""
    from rich.progress import Progress

    with Progress(console=out, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


DEFAULT_PAGER = "less -R"


@contextmanager
def paged(enabled: bool = True):
    """A console for stdout that pages like git: when stdout is a terminal and what
    was printed takes more rows than it has, the output goes through $LBSEARCH_PAGER,
    else $PAGER, else less -R, colours kept. Never in a pipe; printed directly when
    paging is off, the pager is empty or "cat", or it cannot be started."""
    if not enabled or not sys.stdout.isatty():
        yield console()
        return
    from rich.console import Console

    size = shutil.get_terminal_size()
    buffer = _Collected()
    yield Console(file=buffer, force_terminal=True, width=size.columns, highlight=False, markup=False,
                  emoji=False, soft_wrap=True)
    text = buffer.getvalue()
    command = os.environ.get("LBSEARCH_PAGER", os.environ.get("PAGER", DEFAULT_PAGER)).strip()
    # A row is kept for what follows (the summary line, the shell's prompt): output
    # of exactly the terminal's height would push its first row off the screen.
    fits = screen_rows(text, size.columns) < size.lines
    if fits or command in ("", "cat") or not _run_pager(command, text):
        sys.stdout.write(text)
        sys.stdout.flush()


# What Rich writes besides text: colours and styles (CSI ... m) and links (OSC 8).
_ESCAPE_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def screen_rows(text: str, columns: int) -> int:
    """The rows text takes on a terminal of that many columns: a line longer than the
    width takes several, as the terminal wraps it (wide characters count two cells)."""
    from rich.cells import cell_len

    lines = _ESCAPE_RE.sub("", text).split("\n")
    if lines and lines[-1] == "":  # the newline that ends the last line starts no row
        lines.pop()
    columns = max(columns, 1)
    return sum(max(1, -(-cell_len(line) // columns)) for line in lines)


class _Collected:
    """What the paged console printed, kept until it is known whether it fits the screen."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def getvalue(self) -> str:
        return "".join(self.parts)


def _run_pager(command: str, text: str) -> bool:
    """Show text through the pager; False when it could not be started."""
    # As git does: less shows colours (R), quits on one screen (F), leaves the screen (X).
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    try:
        pager = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, env=env)
    except (OSError, ValueError):
        return False
    try:
        pager.stdin.write(text.encode("utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the reader quit the pager before the end
        pass
    while True:
        try:
            pager.wait()
            return True
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less stops a search with it)
            continue


def highlighted(text: str, spans: list[list[int]], style=HIGHLIGHT_STYLE, base_style="") -> Text:
    """Corpus text as a Text, shown literally, with its matches (offsets into text) styled."""
    from rich.text import Text

    shown, spans = visible_spans(text, spans)
    rich_text = Text(shown, style=base_style)
    for start, end in spans:
        rich_text.stylize(style, start, end)
    return rich_text


def meta_line(date: str | None, districts: list[str], article_id: str, copies: int = 0, style="dim") -> Text:
    """date · districts · id · +N copies, as search, show and browse print them."""
    from rich.text import Text

    more = f"+{copies} {'copy' if copies == 1 else 'copies'}" if copies else ""
    parts = [date or "no date", ", ".join(districts) if districts else "", article_id, more]
    return Text(visible(" · ".join(p for p in parts if p)), style=style)


def _address(url: str) -> Text:
    """The article's address, a link a terminal that knows hyperlinks (OSC 8) can open;
    plain text in a pipe, where Rich writes no codes at all."""
    from rich.style import Style
    from rich.text import Text

    shown = visible(url)
    return Text(shown, style=Style(dim=True, link=shown))


def _print_block(out: Console, text: Text, indent: int = 0, first: Text | None = None) -> None:
    """One block of a hit or an article. On a terminal it is wrapped at word boundaries
    to the terminal's width, every row after the first indented like the first (under
    its hit, not from column 0, where the terminal's own wrapping would put it, cutting
    words). In a pipe it stays one line, for grep and scripts."""
    from rich.text import Text

    lead = first if first is not None else Text(" " * indent)
    if not out.is_terminal:
        out.print(Text.assemble(lead, text))
        return
    rows = text.wrap(out, max(out.width - indent, 10), overflow="fold")
    for number, row in enumerate(rows):
        row.rstrip()
        out.print(Text.assemble(lead if number == 0 else " " * indent, row))


def warning(out: Console, message: str) -> None:
    from rich.text import Text

    out.print(Text(f"lbsearch: warning: {visible(message)}"))


def print_hits(out: Console, result: SearchResult) -> None:
    from rich.text import Text

    if result.analysis:
        print_analysis(out, result.analysis)
    for rank, hit in enumerate(result.hits, 1):
        number = Text(f"{rank}. ", style="bold")
        _print_block(out, highlighted(hit.title, hit.title_highlights, base_style="bold"), len(number), first=number)
        _print_block(out, meta_line(hit.date, hit.districts, hit.id, len(hit.copies)), 3)
        if hit.url:
            _print_block(out, _address(hit.url), 3)
        _print_block(out, highlighted(hit.snippet, hit.highlights), 3)
        if hit.explain is not None:
            _print_block(out, Text(_explanation(hit), style="dim"), 3)
        out.print()


def _explanation(hit: Hit) -> str:
    """tier: T; score S = first phase F (match F; rank 3 of a window of 100) + second phase B
    (words together B1 + lead B2)."""
    explain = hit.explain
    phases = []
    for number, phase in enumerate(explain["phases"]):
        parts = " + ".join(f"{name} {explain['score'].get(name, 0.0):.2f}" for name in phase["parts"])
        where = ""
        if number == 0 and explain["first_rank"]:
            where = f"; rank {explain['first_rank']} of a window of {explain['window']}"
        phases.append(f"{('first', 'second')[number]} phase {phase['points']:.2f} ({parts}{where})")
    return f"tier: {explain['tier'] or 'none'}; score {hit.score:.2f} = " + " + ".join(phases)


def print_analysis(out: Console, analysis: dict) -> None:
    """How the query was understood: what must match, what only ranks."""
    from rich.text import Text


    def show(clause: dict) -> str:
        text = f'"{clause["folded"]}"' if clause["phrase"] else clause["folded"]
        return text + (f" (accents: {clause['exact']})" if clause["exact"] else "")

    out.print(Text("query, after folding and expanding abbreviations:", style="bold"))
    for group in analysis["groups"]:
        out.print(Text("  must match: " + visible(" OR ".join(show(c) for c in group))))
    for clause in analysis["excluded"]:
        out.print(Text("  must not match: " + visible(show(clause))))
    if analysis["tiers"]:
        out.print(Text("  ranks first, tier by tier: " + ", then ".join(analysis["tiers"]), style="dim"))
    for name, terms in analysis["ranking"].items():
        out.print(Text(f"  ranks higher with {name}: " + visible(", ".join(terms)), style="dim"))
    second = analysis["second_phase"]
    if second["ranking"]:
        out.print(Text(f"  {' and '.join(second['ranking'])} count for the best {second['window']} by the rest",
                       style="dim"))
    out.print()


def summary(result: SearchResult) -> str:
    shown = len(result.hits)
    noun = "match" if result.total == 1 else "matches"
    return f"{result.total} {noun}" + (f", showing {shown}" if shown < result.total else "")


def undated_notice(count: int) -> str:
    """Said once on stderr when a date filter left out articles that have no date."""
    if count == 1:
        return "lbsearch: 1 article with no known date was left out by the date filter"
    return f"lbsearch: {count} articles with no known date were left out by the date filter"


def hit_record(hit: Hit) -> dict:
    return asdict(hit)


def search_document(result: SearchResult) -> dict:
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "query": result.query,
        "total": result.total,
        "suggestion": result.suggestion,
        "hits": [hit_record(h) for h in result.hits],
    }
    if result.analysis is not None:
        document["analysis"] = result.analysis
    return document


def show_document(record: dict) -> dict:
    return {"schema_version": JSON_SCHEMA_VERSION, **record}


def stats_document(query: str | None, figures: dict) -> dict:
    return {"schema_version": JSON_SCHEMA_VERSION, "query": query, **figures}


def write_json(document, stream: IO[bytes]) -> None:
    """UTF-8 JSON, not \\u-escaped, one document and a newline."""
    stream.write(_json_bytes(document, indent=2) + b"\n")


def write_jsonl(result: SearchResult, stream: IO[bytes]) -> None:
    for hit in result.hits:
        stream.write(_json_bytes(hit_record(hit)) + b"\n")


def _json_bytes(document, indent: int | None = None) -> bytes:
    text = json.dumps(document, ensure_ascii=False, indent=indent)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A path with bytes that did not decode holds lone surrogates, which UTF-8
        # cannot encode (and a \udcff escape is not valid Unicode to most readers):
        # they are written as the visible "\xff", as on the terminal.
        return json.dumps(_encodable(document), ensure_ascii=False, indent=indent).encode("utf-8")


def _encodable(value):
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encodable(item) for item in value]
    return value


def print_article(out: Console, record: dict) -> None:
    from rich.text import Text

    _print_block(out, Text(visible(record["title"]), style="bold"))
    _print_block(out, meta_line(record["date"], record["districts"], record["id"]))
    if record["url"]:
        _print_block(out, _address(record["url"]))
    _print_block(out, Text(visible(record["path"]), style="dim"))
    for path in record["copies"]:
        _print_block(out, Text(f"copy: {visible(path)}", style="dim"))
    out.print()
    for paragraph in record["body"].split("\n"):
        _print_block(out, Text(visible(paragraph)))
        out.print()


# A bar's length in eighths of a cell: a full block, then the partial ones.
_BAR_BLOCK = "█"
_BAR_EIGHTHS = " ▏▎▍▌▋▊▉"
TIMELINE_MONTHS_MAX = 36  # a longer span is drawn per year


def print_stats(out: Console, stats: dict) -> None:
    """The counts as bar charts: a timeline (per month, or per year over a span of
    more than three years) and the districts, largest first."""
    from rich.text import Text

    about = f" matching {stats['query']!r}" if stats["query"] is not None else ""
    noun = "article" if stats["articles"] == 1 else "articles"
    out.print(Text(visible(f"{stats['articles']} {noun}{about}, {stats['undated']} with no known date"),
                   style="bold"))
    timeline = timeline_rows(stats)
    if timeline:
        out.print()
        out.print(Text("per month" if len(timeline[0][0]) == 7 else "per year", style="bold"))
        _print_bars(out, timeline)
    if stats["per_district"]:
        out.print()
        out.print(Text("per district", style="bold"))
        _print_bars(out, list(stats["per_district"].items()))


def timeline_rows(stats: dict) -> list[tuple[str, int]]:
    """Every month from the first dated article to the last, empty ones included;
    every year instead when that is more than three years of months."""
    months = stats["per_month"]
    if not months:
        return []
    first, last = (tuple(map(int, key.split("-"))) for key in (min(months), max(months)))
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if span > TIMELINE_MONTHS_MAX:
        return [(str(year), stats["per_year"].get(str(year), 0)) for year in range(first[0], last[0] + 1)]
    rows = []
    for index in range(span):
        year, month = divmod(first[1] - 1 + index, 12)
        key = f"{first[0] + year}-{month + 1:02d}"
        rows.append((key, months.get(key, 0)))
    return rows


def _print_bars(out: Console, rows: list[tuple[str, int]]) -> None:
    from rich.text import Text

    rows = [(visible(label), count) for label, count in rows]
    label_width = max(len(label) for label, _ in rows)
    count_width = max(len(str(count)) for _, count in rows)
    bar_width = max(10, out.width - label_width - count_width - 4)
    largest = max(count for _, count in rows) or 1
    for label, count in rows:
        eighths = max(1, round(count * bar_width * 8 / largest)) if count else 0
        bar = _BAR_BLOCK * (eighths // 8) + (_BAR_EIGHTHS[eighths % 8] if eighths % 8 else "")
        line = Text(label.ljust(label_width) + "  ")
        line.append(bar.ljust(bar_width), style="cyan")
        line.append(" " + str(count).rjust(count_width))
        out.print(line)
