"""The `lbsearch` command: parse arguments, build options, call the library, render.

Exit status as grep: 0 when something matched, 1 when nothing did, 2 on error.
Every error is one line on stderr. Heavy modules (Whoosh, Rich) are imported
inside the commands that need them, so `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from typer.exceptions import TyperException

from . import completion

EXIT_MATCH, EXIT_NO_MATCH, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    add_completion=True,  # --install-completion, --show-completion: bash, zsh, fish
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    # Commands inherit the names from the app's context: -h works everywhere.
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Search Vietnamese trade-union news articles from the terminal.",
)
# In a command's docstring (its --help), the paragraph after a line holding only \b is
# not rewrapped: an example stays on one line, whole to copy and paste.


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("lbsearch")
    except metadata.PackageNotFoundError:  # run from a source folder that was never installed
        from . import __version__

        return __version__


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"lbsearch {_version()}")
        raise typer.Exit()


@app.callback()
def _app(
    version: bool = typer.Option(False, "--version", "-V", is_eager=True, expose_value=False,
                                 callback=_print_version, help="Print the version and exit."),
) -> None:
    # Only the app's own options live here; every command does its work itself.
    pass


class CliError(Exception):
    """A problem to report as one line, exit status 2."""

    status = 2


class Interrupted(CliError):
    """Ctrl-C: a clean stop with a message, status 130 as shells expect."""

    status = 130


def _default_index() -> Path:
    """$LBSEARCH_INDEX; else ./index where the current folder holds an lbsearch index
    (or is laid out as this project: an empty index/ beside seeds/); else one index
    per user in the platform's data folder (~/.local/share/lbsearch/index on Linux)."""
    if os.environ.get("LBSEARCH_INDEX"):
        return Path(os.environ["LBSEARCH_INDEX"])
    local = Path("index")
    if local.is_dir():
        from . import index

        if index.index_exists(local) or (Path("seeds").is_dir() and not index.holds_other_files(local)):
            return local
    import platformdirs


    return Path(platformdirs.user_data_dir("lbsearch")) / "index"


def _default_corpus() -> Path | None:
    """The folder a first search builds from when there is no index: $LBSEARCH_CORPUS,
    else ./seeds (the bundled articles, in this project's folder)."""
    if os.environ.get("LBSEARCH_CORPUS"):
        return Path(os.environ["LBSEARCH_CORPUS"])
    return Path("seeds") if Path("seeds").is_dir() else None


IndexOption = typer.Option(None, "--index", help="Index folder [default: ./index or $LBSEARCH_INDEX].")
SinceOption = typer.Option(
    None, "--since", help="Only articles dated on or after: YYYY, YYYY-MM, YYYY-MM-DD, DD/MM/YYYY, "
    "or everyday forms: today, last month, 2w, 3 months ago, hôm qua, tháng trước, năm ngoái...")
UntilOption = typer.Option(None, "--until", help="Only articles dated on or before (same forms; a period counts to its last day).")
DistrictOption = typer.Option([], "--district", autocompletion=completion.district_names,
                              help="Only articles about this Hanoi district; repeat for any of several.")


NoPagerOption = typer.Option(False, "--no-pager", help="Print directly, never through $LBSEARCH_PAGER/$PAGER/less.")
AllCopiesOption = typer.Option(False, "--all-copies", help="Every copy of a story (the same address, or 90% the same text), not one hit for it.")


@contextmanager
def _stdout_may_close():
    """A reader that stops early (`| head -2`) closes stdout: the command then ends
    quietly with the status it earned, as grep does."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _options(query: str | None, since: str | None, until: str | None, districts: list[str], **more):
    """SearchOptions from what was typed: dates and district names resolved."""
    from . import dates, places
    from .query import SearchOptions

    return SearchOptions(
        query=query,
        since=dates.parse_user_date(since)[0] if since else None,
        until=dates.parse_user_date(until)[1] if until else None,
        districts=[places.resolve_district(name) for name in districts],
        **more,
    )


def _stderr():
    from . import render

    return render.console(sys.stderr)


def _say(message: str, style: str = "") -> None:
    """One line on stderr, shown literally: no markup, control characters escaped."""
    from . import render

    render.line(_stderr(), message, style)


def _build(folders: list[Path], index_dir: Path, rebuild: bool = False, jobs: int | None = None,
           engine: str | None = None, forget: list[Path] = ()):
    """Run the indexer: warnings on stderr, and a progress bar there when it is a terminal."""
    from . import render, updater

    err = _stderr()

    def on_warning(message: str) -> None:
        render.warning(err, message)

    try:
        if not sys.stderr.isatty():
            return updater.update_index(folders, index_dir, forget=forget, rebuild=rebuild, jobs=jobs,
                                        engine=engine, on_warning=on_warning)
        with render.progress_bar(err, "indexing") as on_progress:
            return updater.update_index(folders, index_dir, forget=forget, rebuild=rebuild, jobs=jobs,
                                        engine=engine, on_warning=on_warning, on_progress=on_progress)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: the index keeps its last complete state") from None


def _report_line(report, index_dir: Path) -> str:
    counts = ", ".join(
        f"{getattr(report, name)} {name}"
        for name in ("added", "updated", "removed", "unchanged", "skipped")
    )
    read = f"; {report.articles_read} article{'' if report.articles_read == 1 else 's'} read" if report.articles_read else ""
    found = f"; {report.copies_found} copies of other articles' stories" if report.copies_found else ""
    rebuilt = f" (rebuilt: {report.reason})" if report.rebuilt and report.reason else ""
    folders = ", ".join(c.folder for c in report.collections) or "no folder"
    return f"indexed {folders} into {index_dir} ({report.engine}): {counts} files{read}{found}{rebuilt}"


@app.command("index")
def index_command(
    folders: Optional[List[Path]] = typer.Argument(
        None, metavar="[FOLDER]...", help="Folders of articles to add: .txt/.md, saved pages .html/.htm, "
        "JSON Lines .jsonl/.json [default: update every folder the index holds; for a new index "
        "$LBSEARCH_CORPUS or ./seeds]."
    ),
    forget: List[Path] = typer.Option([], "--forget", help="Remove a folder and its articles from the index; repeatable."),
    index_dir: Optional[Path] = IndexOption,
    rebuild: bool = typer.Option(False, "--rebuild", help="Read every file again and replace the index."),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", min=1,
        help="Processes that read and index files [default: one per core, for 200 or more changed files each].",
    ),
    engine: Optional[str] = typer.Option(
        None, "--engine",
        help="tantivy or whoosh [default: the index's engine, else $LBSEARCH_ENGINE, else tantivy]; "
        "another engine than the index's rebuilds it.",
    ),
) -> int:
    """Build or update the index: add folders, update those it holds (only changed
    files are read again), or forget one.

    \b
    Example: lbsearch index ~/articles ~/other-site
    """
    from . import index, render

    index_dir = index_dir or _default_index()
    folders = list(folders or [])
    if not folders and not forget and not index.recorded_collections(index_dir):
        default = _default_corpus()
        if default is None:
            raise CliError(f"no index at {index_dir} yet: build one from your articles with `lbsearch index FOLDER`")
        folders = [default]
    report = _build(folders, index_dir, rebuild, jobs, engine, forget)
    render.line(render.console(), _report_line(report, index_dir))
    return EXIT_MATCH


def _open_or_build(index_dir: Path, corpus: Path | None):
    """The index; built from the corpus first (said on stderr) when there is none yet."""
    from . import index
    from .errors import IndexMissing

    if not index.index_exists(index_dir):
        if corpus is None or not corpus.is_dir():
            raise IndexMissing(f"no index at {index_dir} yet: build one from your articles with "
                               "`lbsearch index FOLDER`")
        _say(f"lbsearch: no index at {index_dir} yet: building it from {corpus}")
        report = _build([corpus], index_dir)
        _say(_report_line(report, index_dir))
    return index.open_index(index_dir)


@app.command()
def search(
    query: str = typer.Argument(..., help='Words, "quoted phrases", OR, NOT or -word.'),
    limit: int = typer.Option(10, "-n", "--limit", help="Show at most this many hits."),
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    district: List[str] = DistrictOption,
    sort: str = typer.Option("relevance", "--sort", autocompletion=completion.sort_values, help="relevance, newest or oldest."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    as_jsonl: bool = typer.Option(False, "--jsonl", help="One JSON hit per line."),
    no_pager: bool = NoPagerOption,
    explain: bool = typer.Option(False, "--explain", help="Show how the query was analysed and what made up each score."),
    all_copies: bool = AllCopiesOption,
    index_dir: Optional[Path] = IndexOption,
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Corpus to build from when there is no index yet."),
) -> int:
    """Ranked search, accents optional.

    \b
    Example: lbsearch search "quy che phoi hop" --district "Long Biên" --since 2022
    """
    from . import render
    from .query import search as run_search

    if as_json and as_jsonl:
        raise CliError("choose one of --json and --jsonl")
    options = _options(query, since, until, district, limit=limit, sort=sort, explain=explain, all_copies=all_copies)
    ix = _open_or_build(index_dir or _default_index(), corpus or _default_corpus())
    result = run_search(ix, options)
    if result.undated_excluded:
        _say(render.undated_notice(result.undated_excluded))
    if result.suggestion:
        _say(f"lbsearch: nothing matched; did you mean: {result.suggestion}")
    with _stdout_may_close():
        if as_json:
            render.write_json(render.search_document(result), sys.stdout.buffer)
        elif as_jsonl:
            render.write_jsonl(result, sys.stdout.buffer)
        else:
            with render.paged(not no_pager) as out:
                render.print_hits(out, result)
            _say(render.summary(result), style="dim")
    return EXIT_MATCH if result.total else EXIT_NO_MATCH


@app.command()
def show(
    article_id: str = typer.Argument(..., metavar="ID", help="The article's id, path, file name or address, as search prints them."),
    as_json: bool = typer.Option(False, "--json", help="The record as JSON."),
    no_pager: bool = NoPagerOption,
    index_dir: Optional[Path] = IndexOption,
) -> int:
    """Print one article: title, date, districts, path and the cleaned body.

    \b
    Example: lbsearch show 000_de9231ce01b27642
    """
    from . import index, render
    from .articles import close_ids, find_article

    opened = index.open_index(index_dir or _default_index())
    record = find_article(opened, article_id)
    if record is None:
        close = close_ids(opened, article_id)
        more = f"; did you mean: {', '.join(close)}" if close else ""
        _say(f"lbsearch: no article with id, path or address {article_id!r}{more}")
        return EXIT_NO_MATCH
    with _stdout_may_close():
        if as_json:
            render.write_json(render.show_document(record), sys.stdout.buffer)
        else:
            with render.paged(not no_pager) as out:
                render.print_article(out, record)
    return EXIT_MATCH


@app.command()
def stats(
    query: Optional[str] = typer.Argument(None, help="Count only the articles this search finds [default: all]."),
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    district: List[str] = DistrictOption,
    as_json: bool = typer.Option(False, "--json", help="The figures as JSON."),
    all_copies: bool = AllCopiesOption,
    index_dir: Optional[Path] = IndexOption,
) -> int:
    """Count articles per month or year and per district: of a search, or of the whole index.

    \b
    Example: lbsearch stats "quy chế phối hợp" --since 2022 --json | jq .per_district
    """
    from . import render
    from .stats import corpus_stats

    selective = query is not None or since or until or district
    options = _options(query, since, until, district, all_copies=all_copies)
    counted = corpus_stats(_open_or_build(index_dir or _default_index(), _default_corpus()), options)
    if counted.undated_excluded:
        _say(render.undated_notice(counted.undated_excluded))
    document = render.stats_document(query, counted.figures)
    with _stdout_may_close():
        if as_json:
            render.write_json(document, sys.stdout.buffer)
        else:
            render.print_stats(render.console(), document)
    return EXIT_MATCH if counted.figures["articles"] or not selective else EXIT_NO_MATCH


@app.command()
def browse(
    query: Optional[str] = typer.Argument(None, help="The query to start with; type to change it."),
    since: Optional[str] = SinceOption,
    until: Optional[str] = UntilOption,
    district: List[str] = DistrictOption,
    sort: str = typer.Option("relevance", "--sort", autocompletion=completion.sort_values, help="relevance, newest or oldest."),
    all_copies: bool = AllCopiesOption,
    index_dir: Optional[Path] = IndexOption,
) -> int:
    """Search as you type, full screen: Enter reads a hit, F1 lists the keys, Ctrl+C quits.

    \b
    Example: lbsearch browse "quy che phoi hop" --district "Long Biên"
    """
    from . import browse as browser  # Textual loads here only: other commands never import it

    problem = browser.not_a_terminal()
    if problem:
        raise CliError(problem)
    options = _options(query or "", since, until, district, sort=sort, all_copies=all_copies)
    return browser.run(_open_or_build(index_dir or _default_index(), _default_corpus()), options)


def _user_errors() -> tuple[type[BaseException], ...]:
    from .dates import DateInputError
    from .engines import UnknownEngine
    from .errors import CorpusError, IndexProblem
    from .places import UnknownDistrictError
    from .query import QueryError

    return (CliError, CorpusError, DateInputError, IndexProblem, UnknownDistrictError, QueryError,
            UnknownEngine)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the command and turns every failure into one line and a status."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    try:
        status = command.main(args=args, prog_name="lbsearch", standalone_mode=False)
    except typer.Exit as done:  # --help and friends
        status = done.exit_code
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C outside the indexer's own handling
        _error("interrupted")
        status = 130
    except TyperException as err:  # usage errors: unknown option, bad value, missing argument
        if args:
            _error(" ".join(err.format_message().split()))
        else:  # a bare `lbsearch`: the message is the help, lines and all, as git prints its usage
            sys.stderr.write(err.format_message().rstrip("\n") + "\n")
        status = EXIT_ERROR
    except Exception as err:
        if not isinstance(err, _user_errors()):
            raise
        _error(str(err))
        status = getattr(err, "status", EXIT_ERROR)
    return status if isinstance(status, int) else EXIT_MATCH


def _error(message: str) -> None:
    from .text import visible

    sys.stderr.write(f"lbsearch: error: {visible(message)}\n")
    sys.stderr.flush()


def run() -> None:
    status = main()
    if _nothing_left_to_finish():
        # The interpreter's teardown (freeing every module, running the collector) took
        # 10-20 ms of each command, as long as some searches: a read-only command has
        # nothing for it to do once its output is flushed.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
        os._exit(status)
    sys.exit(status)


def _nothing_left_to_finish() -> bool:
    """No index was written, no worker process or temporary file made, no other thread
    running: then exiting at once loses nothing."""
    import threading

    busy = ("lbsearch.updater", "multiprocessing", "tempfile", "concurrent.futures")
    return not any(name in sys.modules for name in busy) and threading.active_count() == 1
