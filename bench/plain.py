"""Plain tantivy, the floor lbsearch is measured against: the same files in an
index shaped like lbsearch's, with none of its ranking work.

The schema is the one of ../shared/reference/scale.md: folded `title` and `body`
(stored; tantivy's own tokenizer and ASCII folding), an unfolded `exact` field
with positions, integer `day` and `year` fast fields, a raw fast `district`
field. One writer, 2 threads, 512 MB heap. Queries: every word required in
title or body, default BM25, optionally a phrase boost per adjacent pair; no
accents, tiers, lead or tie-breaking work.

Two readers of a file:
- `lbsearch` (the default): lbsearch.extract, so that the relevance baseline
  sees exactly the text lbsearch indexes, furniture cut the same way.
- `quick`: for files shaped like the seeds (bench/generate.py): the first line
  is the headline, the second the byline with its date, the text runs to the
  first box of other articles' headlines. About a tenth of lbsearch's reading
  cost: the speed benchmark's floor, as in scale.md.

    python -m bench.plain CORPUS FOLDER [--reader quick] [--report]   (build only)
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Callable, NamedTuple

import tantivy

from lbsearch.extract import SkipFile, decode, extract
from lbsearch.places import find_districts
from lbsearch.text import SYLLABLE_RE, fold

HEAP = 512_000_000
THREADS = 2
# Headings that open the boxes of other articles' headlines in generated and
# seed files; the quick reader stops at the first.
_BOXES = {"Có thể bạn quan tâm", "Nên xem", "Tin khác", "Tin liên quan", "Các tin khác", "Xem thêm"}
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_EPOCH = date(1970, 1, 1).toordinal()


class Plain(NamedTuple):
    id: str
    title: str
    body: str
    day: date | None
    district: str | None


def read_lbsearch(path: Path) -> Plain | None:
    try:
        article = extract(decode(path.read_bytes()), path.stem, str(path))
    except SkipFile:
        return None
    return Plain(article.id, article.title, article.body, article.date,
                 article.districts[0] if article.districts else None)


def read_quick(path: Path) -> Plain | None:
    text = unicodedata.normalize("NFC", path.read_bytes().decode("utf-8", "replace"))
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return None
    found = _DATE.search(lines[1]) if len(lines) > 1 else None
    day = None
    if found:
        try:
            day = date(int(found[3]), int(found[2]), int(found[1]))
        except ValueError:
            pass
    body: list[str] = []
    for line in lines[2 if found else 1:]:
        if line in _BOXES:
            break
        body.append(line)
    places = find_districts(lines[0] + "\n" + (body[0] if body else ""))
    return Plain(path.stem, lines[0], "\n".join(body), day, places[0].name if places else None)


READERS: dict[str, Callable[[Path], Plain | None]] = {"lbsearch": read_lbsearch, "quick": read_quick}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="folded")
    builder.add_text_field("body", stored=True, tokenizer_name="folded")
    builder.add_text_field("exact", tokenizer_name="exact")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_text_field("district", tokenizer_name="raw", fast=True)
    return builder.build()


def _open(folder: Path, schema: tantivy.Schema) -> tantivy.Index:
    index = tantivy.Index(schema, path=str(folder))
    index.register_tokenizer("folded", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                             .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
    index.register_tokenizer("exact", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                             .filter(tantivy.Filter.lowercase()).build())
    return index


def build(corpus: Path, folder: Path, reader: str = "lbsearch") -> tuple[int, int]:
    """Index every .txt file under corpus into a new index at folder: the number of
    articles indexed, and the UTF-8 bytes of their titles and bodies."""
    read = READERS[reader]
    folder.mkdir(parents=True, exist_ok=True)
    writer = _open(folder, _schema()).writer(HEAP, THREADS)
    added = text_bytes = 0
    for path in sorted(corpus.rglob("*.txt")):
        plain = read(path)
        if plain is None:
            continue
        document = tantivy.Document(id=plain.id, title=plain.title, body=plain.body,
                                    exact=plain.title + "\n" + plain.body)
        if plain.day:
            document.add_integer("day", plain.day.toordinal() - _EPOCH)
            document.add_integer("year", plain.day.year)
        if plain.district:
            document.add_text("district", plain.district)
        writer.add_document(document)
        added += 1
        text_bytes += len(plain.title.encode()) + len(plain.body.encode())
    writer.commit()
    writer.wait_merging_threads()
    return added, text_bytes


class PlainTantivy:
    """A plain index of corpus at folder, built unless `corpus` is None (then opened)."""

    def __init__(self, corpus: Path | None, folder: Path, reader: str = "lbsearch"):
        if corpus is not None:
            build(corpus, folder, reader)
        self.schema = _schema()
        self.ix = _open(folder, self.schema)
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def ids(self, text: str, limit: int = 10, pairs: bool = False) -> list[str]:
        """Every folded word required in title or body, BM25; with pairs, each adjacent
        pair of words also scores as a phrase in either field (not required)."""
        words = [fold(w) for w in SYLLABLE_RE.findall(text)]
        if not words:
            return []
        must, should = tantivy.Occur.Must, tantivy.Occur.Should
        clauses = [
            (must, tantivy.Query.boolean_query([
                (should, tantivy.Query.term_query(self.schema, field, word)) for field in ("title", "body")
            ]))
            for word in words
        ]
        if pairs:
            clauses += [
                (should, tantivy.Query.phrase_query(self.schema, field, [a, b]))
                for a, b in zip(words, words[1:]) for field in ("title", "body")
            ]
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), limit=limit).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


def main() -> None:
    parser = argparse.ArgumentParser(description="Build a plain tantivy index of a corpus.")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--reader", choices=sorted(READERS), default="lbsearch")
    parser.add_argument("--report", action="store_true", help="print the articles and bytes of text indexed, as JSON")
    args = parser.parse_args()
    articles, text_bytes = build(args.corpus, args.folder, args.reader)
    if args.report:
        print(json.dumps({"articles": articles, "text_bytes": text_bytes}))


if __name__ == "__main__":
    main()
