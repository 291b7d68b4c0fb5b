"""Where a search's time goes, part by part, on an existing index:

    python -m bench.search_parts INDEX [--repeat 5] [--window N]

For each query of a mix (bench/growth.py's kinds, and the slowest common ones
of issue #18), the median processor time of each part lbsearch.query.search
runs: the plan with its copies question (which kept copies match), the total
count, the engine's search with the first phase alone and with both (the second
rescores the window), the undated count of a date filter, and the snippets.
Processor time, not wall time: figures stay comparable on a busy machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from lbsearch import plan as lbplan
from lbsearch.index import open_index
from lbsearch.places import resolve_district
from lbsearch.query import SearchOptions, planned, search
from lbsearch.snippets import make_snippet

MIX = [
    SearchOptions("người lao động"),
    SearchOptions("nguoi lao dong"),
    SearchOptions("tổ chức công đoàn cơ sở"),
    SearchOptions("LĐLĐ quận Long Biên"),
    SearchOptions("Quy chế phối hợp"),
    SearchOptions("quy che phoi hop"),
    SearchOptions('"Quy chế phối hợp"'),
    SearchOptions("đoàn"),
    SearchOptions("công đoàn", districts=[resolve_district("Long Biên")]),
    SearchOptions("người lao động", since=date(2024, 1, 1)),
    SearchOptions("hội nghị", sort="newest"),
]


def _cpu_ms(function) -> tuple[float, object]:
    started = time.process_time()
    value = function()
    return (time.process_time() - started) * 1000, value


def parts(ix, options: SearchOptions) -> dict[str, float]:
    """Processor milliseconds of each part of one search, timed through the Reader
    protocol: the engine's search with the first phase alone (its boosts only: no
    second phase), the whole of it, and its total count alone."""
    reader = ix.reader
    figures: dict[str, float] = {}
    figures["plan + copies"], plan = _cpu_ms(lambda: planned(ix, options))
    figures["count"], _ = _cpu_ms(lambda: reader.count(plan))
    if plan.sort == "relevance":
        figures["engine: first phase + count"], _ = _cpu_ms(
            lambda: reader.search(plan._replace(boosts=plan.boosts_of(1))))
    figures["engine: both phases + count"], ranked = _cpu_ms(lambda: reader.search(plan))
    undated = plan.undated_question()
    if undated:
        figures["undated count"], _ = _cpu_ms(lambda: reader.count(undated))
    clauses = plan.query.positive_clauses
    figures["snippets"], _ = _cpu_ms(lambda: [make_snippet(m.record.get("body", ""), clauses) for m in ranked.page])
    figures["whole search()"], result = _cpu_ms(lambda: search(ix, options))
    figures["matches"] = result.total
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="where a search's time goes")
    parser.add_argument("index", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--window", type=int, help=f"the first phase's window [default: {lbplan.RESCORE_WINDOW}]")
    args = parser.parse_args()
    if args.window:
        lbplan.RESCORE_WINDOW = args.window
    ix = open_index(args.index)
    for options in MIX:
        runs = [parts(ix, options) for _ in range(args.repeat)]
        medians = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
        matches = int(medians.pop("matches"))
        label = options.query + (f" ({options.sort})" if options.sort != "relevance" else "") + \
            (" --district" if options.districts else "") + (" --since" if options.since else "")
        print(f"{label} [{matches:,} matches]: " + ", ".join(f"{k} {v:.1f}" for k, v in medians.items()))
    print(f"(processor ms, median of {args.repeat}; window {lbplan.RESCORE_WINDOW})")


if __name__ == "__main__":
    main()
