"""One article for `show`: found by what search prints (its id, its path, its file
name or its address), returned as its public record."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .extract import article_id_for
from .index import OpenIndex, recorded_collections
from .suggest import edit_distance
from .text import without_surrogates

MAX_CLOSE_IDS = 3


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


def find_article(index: OpenIndex, ref: str) -> dict | None:
    """The article ref names: its id, its file's path (as search prints it, or relative
    to the current folder), its file's name, or its address; None when none does."""
    for article_id in _ids_for(index, ref):
        record = get_article(index, article_id)
        if record is not None:
            return record
    if ref.startswith(("http://", "https://")):
        term = "u:" + hashlib.sha1(ref.encode("utf-8")).hexdigest()[:20]  # copies.band_terms' address term
        for stored in index.reader.copy_candidates([term], limit=1):
            return get_article(index, stored["id"])
    return None


def _ids_for(index: OpenIndex, ref: str) -> list[str]:
    """The ids ref may stand for: itself, the id of the file at that path, and the ids
    of top-level files of that name in each folder of the index."""
    ids = [ref]
    collections = recorded_collections(index.folder)
    real = without_surrogates(os.path.abspath(ref))
    for collection in collections:
        if real.startswith(collection.folder.rstrip("/") + "/"):
            ids.append(article_id_for(collection.prefix + real[len(collection.folder.rstrip("/")) + 1:]))
    if "/" not in ref:
        ids += [article_id_for(collection.prefix + ref) for collection in collections]
    return list(dict.fromkeys(ids))


def close_ids(index: OpenIndex, ref: str) -> list[str]:
    """Ids of the index near ref (a typo, a missing part), closest first."""
    name = Path(ref).name
    typed = article_id_for(name)
    # Two letters: few enough ids to compare at a million, and a typo in the third still found.
    candidates = {term for term, _ in index.reader.terms_with_prefix("id", typed[:2])} if typed else set()
    scored = sorted((edit_distance(term, typed), term) for term in candidates if len(term) < 200)
    return [term for distance, term in scored if distance <= max(2, len(typed) // 4)][:MAX_CLOSE_IDS]
