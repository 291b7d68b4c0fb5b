"""Plain tantivy, the floor lbsearch is measured against: folded title and body,
tantivy's own tokenizer and ASCII folding, default BM25, every word required,
no phrase, accent, lead or tie-breaking work."""

from __future__ import annotations

from pathlib import Path

import tantivy

from lbsearch.extract import SkipFile, decode, extract
from lbsearch.text import SYLLABLE_RE, fold


class PlainTantivy:
    def __init__(self, corpus: Path, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="folded")
        builder.add_text_field("body", tokenizer_name="folded")
        self.schema = builder.build()
        self.ix = tantivy.Index(self.schema, path=str(folder))
        folded = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                  .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())
        self.ix.register_tokenizer("folded", folded)
        writer = self.ix.writer(256_000_000, 2)
        for path in sorted(corpus.rglob("*.txt")):
            try:
                article = extract(decode(path.read_bytes()), path.stem, str(path))
            except SkipFile:
                continue
            writer.add_document(tantivy.Document(id=article.id, title=article.title, body=article.body))
        writer.commit()
        writer.wait_merging_threads()
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def ids(self, text: str, limit: int = 10) -> list[str]:
        words = [fold(w) for w in SYLLABLE_RE.findall(text)]
        if not words:
            return []
        must = tantivy.Occur.Must
        query = tantivy.Query.boolean_query([
            (must, tantivy.Query.boolean_query([
                (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, word))
                for field in ("title", "body")
            ]))
            for word in words
        ])
        hits = self.searcher.search(query, limit=limit).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]
