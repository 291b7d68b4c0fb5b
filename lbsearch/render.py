"""Everything the user sees: Rich output for terminals, JSON and JSON Lines for pipes.

The only module that imports Rich. Text from the corpus goes into rich.text.Text
objects (never into markup strings) after printable() has turned control
characters into spaces, so a title holding "[bold]" or an escape sequence is
shown literally and cannot drive the terminal. Rich is imported inside the
functions that draw, so that JSON output does not wait for it to load.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import asdict
from typing import IO, TYPE_CHECKING

from .text import printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


    from .query import Hit, SearchResult

HIGHLIGHT_STYLE = "bold yellow"
# The version of every --json document's shape (schemas/*.schema.json): raised when
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


DEFAULT_PAGER = "less -R"


@contextmanager
def paged(enabled: bool = True):
    """A console for stdout that pages like git: when stdout is a terminal and what
    was printed is taller than it, the output goes through $LBSEARCH_PAGER, else
    $PAGER, else less -R, colours kept. Never in a pipe; printed directly when
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
    if text.count("\n") < size.lines or command in ("", "cat") or not _run_pager(command, text):
        sys.stdout.write(text)
        sys.stdout.flush()


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


def _highlighted(text: str, spans: list[list[int]], base_style: str = "") -> Text:
    from rich.text import Text

    rich_text = Text(printable(text), style=base_style)
    for start, end in spans:
        rich_text.stylize(HIGHLIGHT_STYLE, start, end)
    return rich_text


def _meta_line(date: str | None, districts: list[str], article_id: str, copies: int = 0) -> Text:
    from rich.text import Text

    more = f"+{copies} {'copy' if copies == 1 else 'copies'}" if copies else ""
    parts = [date or "no date", ", ".join(districts) if districts else "", article_id, more]
    return Text(printable(" · ".join(p for p in parts if p)), style="dim")


def _address(url: str) -> Text:
    """The article's address, a link a terminal that knows hyperlinks (OSC 8) can open;
    plain text in a pipe, where Rich writes no codes at all."""
    from rich.style import Style
    from rich.text import Text

    shown = printable(url)
    return Text(shown, style=Style(dim=True, link=shown))


def warning(out: Console, message: str) -> None:
    from rich.text import Text

    out.print(Text(f"lbsearch: warning: {printable(message)}"))


def print_hits(out: Console, result: SearchResult) -> None:
    from rich.text import Text

    if result.analysis:
        print_analysis(out, result.analysis)
    for rank, hit in enumerate(result.hits, 1):
        title = Text(f"{rank}. ", style="bold")
        title.append_text(_highlighted(hit.title, hit.title_highlights, "bold"))
        out.print(title)
        out.print(Text("   ").append_text(_meta_line(hit.date, hit.districts, hit.id, len(hit.copies))))
        if hit.url:
            out.print(Text("   ").append_text(_address(hit.url)))
        out.print(Text("   ").append_text(_highlighted(hit.snippet, hit.highlights)))
        if hit.explain is not None:
            parts = " + ".join(f"{name} {value:.2f}" for name, value in hit.explain["score"].items())
            tier = hit.explain["tier"] or "none"
            out.print(Text(f"   tier: {tier}; score {hit.score:.2f} = {parts}", style="dim"))
        out.print()


def print_analysis(out: Console, analysis: dict) -> None:
    """How the query was understood: what must match, what only ranks."""
    from rich.text import Text


    def show(clause: dict) -> str:
        text = f'"{clause["folded"]}"' if clause["phrase"] else clause["folded"]
        return text + (f" (accents: {clause['exact']})" if clause["exact"] else "")

    out.print(Text("query, after folding and expanding abbreviations:", style="bold"))
    for group in analysis["groups"]:
        out.print(Text("  must match: " + printable(" OR ".join(show(c) for c in group))))
    for clause in analysis["excluded"]:
        out.print(Text("  must not match: " + printable(show(clause))))
    if analysis["tiers"]:
        out.print(Text("  ranks first, tier by tier: " + ", then ".join(analysis["tiers"]), style="dim"))
    for name, terms in analysis["ranking"].items():
        out.print(Text(f"  ranks higher with {name}: " + printable(", ".join(terms)), style="dim"))
    out.print()


def summary(result: SearchResult) -> str:
    shown = len(result.hits)
    noun = "match" if result.total == 1 else "matches"
    line = f"{result.total} {noun}" + (f", showing {shown}" if shown < result.total else "")
    if result.undated_excluded:
        line += f"; {result.undated_excluded} more with no known date left out by the date filter"
    return line


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
    stream.write(json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")


def write_jsonl(result: SearchResult, stream: IO[bytes]) -> None:
    for hit in result.hits:
        stream.write(json.dumps(hit_record(hit), ensure_ascii=False).encode("utf-8") + b"\n")


def print_article(out: Console, record: dict) -> None:
    from rich.text import Text

    out.print(Text(printable(record["title"]), style="bold"))
    out.print(_meta_line(record["date"], record["districts"], record["id"]))
    if record["url"]:
        out.print(_address(record["url"]))
    out.print(Text(printable(record["path"]), style="dim"))
    for path in record["copies"]:
        out.print(Text(f"copy: {printable(path)}", style="dim"))
    out.print()
    for paragraph in record["body"].split("\n"):
        out.print(Text(printable(paragraph)))
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
    out.print(Text(printable(f"{stats['articles']} {noun}{about}, {stats['undated']} with no known date"),
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

    label_width = max(len(label) for label, _ in rows)
    count_width = max(len(str(count)) for _, count in rows)
    bar_width = max(10, out.width - label_width - count_width - 4)
    largest = max(count for _, count in rows) or 1
    for label, count in rows:
        eighths = max(1, round(count * bar_width * 8 / largest)) if count else 0
        bar = _BAR_BLOCK * (eighths // 8) + (_BAR_EIGHTHS[eighths % 8] if eighths % 8 else "")
        line = Text(printable(label).ljust(label_width) + "  ")
        line.append(bar.ljust(bar_width), style="cyan")
        line.append(" " + str(count).rjust(count_width))
        out.print(line)
