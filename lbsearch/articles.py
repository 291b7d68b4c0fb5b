"""One article for `show`: found by what search prints, returned as its public record."""

from __future__ import annotations

from .index import OpenIndex


def article_record(stored: dict, copies: list[str]) -> dict:
    """The public record of an article, as `show --json` prints it."""
    return {
        "id": stored["id"],
        "path": stored["path"],
        "url": stored.get("url"),
        "copies": copies,
        "title": stored["title"],
        "date": stored.get("date"),
        "date_source": stored.get("date_source"),
        "districts": list(stored.get("districts") or []),
        "body": stored.get("body", ""),
    }


def get_article(index: OpenIndex, article_id: str) -> dict | None:
    stored = index.reader.article(article_id)
    return article_record(stored, index.copies.others(article_id)) if stored else None
