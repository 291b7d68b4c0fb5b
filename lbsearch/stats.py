"""Counts of the articles a search selects (or of the whole index): in all, with no
known date, per year, per month and per district. Returns data; render.py draws it."""

from __future__ import annotations

from dataclasses import dataclass

from .index import OpenIndex
from .places import by_key
from .query import SearchOptions, planned


@dataclass
class Stats:
    figures: dict  # articles, undated, per_year, per_month, per_district (largest first)
    undated_excluded: int | None = None  # with a date filter: matches left out for having no date


def corpus_stats(index: OpenIndex, options: SearchOptions | None = None) -> Stats:
    """Counts of the articles a query and filters select; without options, of the whole
    index. A story counts once, unless options ask for all copies."""
    options = options or SearchOptions(None)
    plan = planned(index, options)
    articles, per_day, per_district, per_folder = index.reader.stats(plan)
    undated_question = plan.undated_question()
    undated = index.reader.count(undated_question) if undated_question else None
    return Stats(figures_from_counts(articles, per_day, per_district, per_folder), undated)


def figures_from_counts(articles: int, per_day: dict[int, int], per_district_key: dict[str, int],
                        per_folder: dict[str, int]) -> dict:
    """The stats record from counts per date number (0 = no date), per district key
    and per collection folder."""
    per_year: dict[str, int] = {}
    per_month: dict[str, int] = {}
    for day, count in per_day.items():
        if day and count:
            year, month = divmod(day // 100, 100)
            per_year[str(year)] = per_year.get(str(year), 0) + count
            per_month[f"{year}-{month:02d}"] = per_month.get(f"{year}-{month:02d}", 0) + count
    per_district = {}
    for key, count in per_district_key.items():
        district = by_key(key)
        if district is not None and count:
            per_district[district.name] = count
    return {
        "articles": articles,
        "undated": per_day.get(0, 0),
        "per_year": dict(sorted(per_year.items())),
        "per_month": dict(sorted(per_month.items())),
        "per_district": dict(sorted(per_district.items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_folder": dict(sorted((folder, n) for folder, n in per_folder.items() if n)),
    }
