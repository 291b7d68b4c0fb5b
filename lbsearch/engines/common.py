"""What an engine returns, the same for every engine: ranked records and counts."""

from __future__ import annotations

from dataclasses import dataclass

from ..places import by_key


@dataclass
class Match:
    score: float
    record: dict  # the stored article: id, path, title, body, date, date_source, districts
    ref: object  # the engine's handle on the document, for explain()


@dataclass
class Ranked:
    total: int  # every match that passes the filters
    page: list[Match]  # at most plan.limit, best first
    undated: int = 0  # matches a date filter left out for having no date


def stats_from_counts(articles: int, per_day: dict[int, int], per_district_key: dict[str, int]) -> dict:
    """The stats record from counts per date number (0 = no date) and per district key."""
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
    }
