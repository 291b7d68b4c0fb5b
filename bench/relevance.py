"""Relevance evaluation: lbsearch against a plain Whoosh baseline, in one run.

    python -m bench.relevance [--docs 1000] [--queries 200]

Prints one table:
- judged queries over the real seeds (articles that must come first, articles
  that must not appear);
- known-item search over a generated corpus (and with --real, over real prose):
  the query is an article's headline, or six consecutive syllables of its body,
  typed with accents and without; MRR@10 and the share found first. Only
  queries that name one article are asked: a headline no other article has, a
  window whose syllables (folded) stand together in no other article. Manual
  pages repeat their footers word for word, and a window taken from one has no
  single right answer.
- accent precision: accented two-syllable queries whose folded form other
  phrases share. "phrase first" is the share of the first min(10, R) results
  that hold the typed phrase with its accents, R being how many articles do
  (precision at R, capped at 10: 1.0 when they all come first, reachable for
  every query); "words" is the share of the top 10 holding both accented words
  anywhere, the measure used before, kept for comparison (it counts the
  folded matches that fill a page after the few exact ones as misses).

The baseline is plain tantivy (bench/plain.py): folded title and body, default
BM25, all words required, no phrase, accent or lead boosts. --engine picks
lbsearch's engine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import defaultdict
from pathlib import Path

from lbsearch import plan
from lbsearch.extract import decode, extract
from lbsearch.index import open_index
from lbsearch.updater import update_index
from lbsearch.query import QueryError, SearchOptions, search
from lbsearch.text import SYLLABLE_RE, exact, fold

from .generate import SEEDS, generate
from .plain import PlainTantivy

JUDGED = [
    # query, ids one of which must come first, ids that must not appear
    ("Quy chế phối hợp", {"000_de9231ce01b27642"}, set()),
    ("quy che phoi hop", {"000_de9231ce01b27642"}, set()),
    ("LĐLĐ huyện Gia Lâm", {"000_de9231ce01b27642"}, set()),
    ("Liên đoàn Lao động huyện Gia Lâm", {"000_de9231ce01b27642"}, set()),
    ("Công đoàn xã Gia Lâm", {"004_c22b981af91ee202"}, set()),
    ("Nghệ An", {"003_b5d277c22c92321f"}, set()),
    ("ky ket chuong trinh phoi hop cong tac", {"003_b5d277c22c92321f"}, set()),
    ("Quận ủy Đống Đa", {"001_6ae812ba00bba860"}, set()),
    ("cụm thi đua", {"002_3030d9cee70eb42f"}, set()),
    ("Tổng Bí thư Tô Lâm", set(), {"000_de9231ce01b27642"}),
    ("iHanoi", set(), {"001_6ae812ba00bba860"}),
    ("MICCO", set(), {"003_b5d277c22c92321f"}),
    ("gia lâm", {"004_c22b981af91ee202", "000_de9231ce01b27642"}, set()),
]


class Lbsearch:
    def __init__(self, corpus: Path, folder: Path, engine: str):
        update_index(corpus, folder, engine=engine)
        self.ix = open_index(folder)

    def ids(self, text: str, limit: int = 10) -> list[str]:
        try:
            return [hit.id for hit in search(self.ix, SearchOptions(text, limit=limit)).hits]
        except QueryError:  # a window of real text can hold only an operator ("OR")
            return []


def judged(engine) -> tuple[int, int]:
    passed = 0
    for text, first, never in JUDGED:
        ids = engine.ids(text)
        ok = (not first or (ids and ids[0] in first)) and not (set(ids) & never)
        passed += bool(ok)
    return passed, len(JUDGED)


def articles(corpus: Path):
    for path in sorted(corpus.rglob("*.txt")):
        yield extract(decode(path.read_bytes()), path.stem, str(path))


def _folded(text: str) -> str:
    return " ".join(fold(w) for w in SYLLABLE_RE.findall(text))


def known_items(corpus: Path, count: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Headlines and six-syllable body windows of count articles, each naming one article."""
    every = list(articles(corpus))
    headline_count = defaultdict(int)
    for article in every:
        headline_count[_folded(article.title)] += 1
    texts = [f" {_folded(a.title)} | {_folded(a.body)} " for a in every]
    kinds: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for article in rng.sample(every, count):
        if headline_count[_folded(article.title)] == 1:
            kinds["headline, accents"].append((article.title, article.id))
            kinds["headline, no accents"].append((_folded(article.title), article.id))
        words = SYLLABLE_RE.findall(article.body)
        for _ in range(5):  # a few tries at a window no other article holds
            start = rng.randrange(0, max(1, len(words) - 6))
            window = " ".join(words[start : start + 6])
            if len(window.split()) == 6 and sum(f" {_folded(window)} " in t for t in texts) == 1:
                kinds["6 syllables, accents"].append((window, article.id))
                kinds["6 syllables, no accents"].append((_folded(window), article.id))
                break
    return kinds


def mrr(engine, queries: list[tuple[str, str]]) -> tuple[float, float]:
    reciprocal, first = 0.0, 0
    for text, wanted in queries:
        ids = engine.ids(text)
        if wanted in ids:
            reciprocal += 1 / (ids.index(wanted) + 1)
            first += ids[0] == wanted
    return reciprocal / len(queries), first / len(queries)


def exact_pairs(corpus: Path) -> dict[str, set[str]]:
    """Every two accented syllables standing together (exact forms), and the articles holding them."""
    docs_with: dict[str, set[str]] = defaultdict(set)
    for article in articles(corpus):
        for text in (article.title, article.body):
            words = [exact(w) for w in SYLLABLE_RE.findall(text)]
            for pair in zip(words, words[1:]):
                docs_with[" ".join(pair)].add(article.id)
    return docs_with


def confusable_queries(docs_with: dict[str, set[str]], limit: int, rng: random.Random) -> list[str]:
    """Accented two-syllable phrases whose folded form is written with other accents too."""
    by_fold: dict[str, list[str]] = defaultdict(list)
    for phrase, ids in docs_with.items():
        if len(ids) >= 3 and not phrase.isascii():
            by_fold[" ".join(fold(w) for w in phrase.split())].append(phrase)
    candidates = sorted(p for forms in by_fold.values() if len(forms) > 1 for p in forms)
    return rng.sample(candidates, min(limit, len(candidates)))


def accent_precision(engine, queries: list[str], docs_with: dict[str, set[str]],
                     exact_words: dict[str, set[str]]) -> tuple[float, float]:
    """(phrase first, words): see the module's docstring."""
    phrase_first, words = [], []
    for text in queries:
        ids = engine.ids(text)
        holding = docs_with[text]
        first = ids[:min(10, len(holding))]
        phrase_first.append(sum(i in holding for i in first) / min(10, len(holding)))
        if ids:
            words.append(sum(set(text.split()) <= exact_words[i] for i in ids) / len(ids))
    return sum(phrase_first) / len(phrase_first), sum(words) / len(words)


def corpus_rows(label: str, corpus: Path, work: Path, engine: str, queries: int, rng: random.Random):
    """Known-item MRR and accent precision on one corpus, lbsearch and the baseline."""
    ours, base = Lbsearch(corpus, work / f"{label}-ours", engine), PlainTantivy(corpus, work / f"{label}-base")
    exact_words = {a.id: {exact(w) for w in SYLLABLE_RE.findall(a.title + " " + a.body)} for a in articles(corpus)}
    rows = []
    for kind, items in known_items(corpus, queries, rng).items():
        (o_mrr, o_first), (b_mrr, b_first) = mrr(ours, items), mrr(base, items)
        rows.append((f"{label}: known item, {kind} ({len(items)}): MRR@10", f"{o_mrr:.3f}", f"{b_mrr:.3f}"))
        rows.append((f"{label}: known item, {kind}: found first", f"{o_first:.3f}", f"{b_first:.3f}"))
    docs_with = exact_pairs(corpus)
    confusable = confusable_queries(docs_with, 60, rng)
    if confusable:
        (o_phrase, o_words), (b_phrase, b_words) = (accent_precision(e, confusable, docs_with, exact_words)
                                                    for e in (ours, base))
        rows.append((f"{label}: accent precision@10, phrase first ({len(confusable)} queries)",
                     f"{o_phrase:.3f}", f"{b_phrase:.3f}"))
        rows.append((f"{label}: accent precision@10, words", f"{o_words:.3f}", f"{b_words:.3f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="lbsearch relevance evaluation")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine", default="tantivy", choices=["tantivy", "whoosh"])
    parser.add_argument("--real", type=Path, help="also evaluate on real text: a folder made by bench.realtext")
    parser.add_argument("--window", type=int, help=f"matches the second phase rescores [default: {plan.RESCORE_WINDOW}]")
    args = parser.parse_args()
    if args.window:
        plan.RESCORE_WINDOW = args.window
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        generate(corpus, args.docs, args.seed)
        seeds_ours, seeds_base = Lbsearch(SEEDS, tmp / "s1", args.engine), PlainTantivy(SEEDS, tmp / "s2")
        rows = [("judged queries on the seeds (passed)",
                 "{}/{}".format(*judged(seeds_ours)), "{}/{}".format(*judged(seeds_base)))]
        rows += corpus_rows("generated", corpus, tmp, args.engine, args.queries, rng)
        if args.real:
            real_count = len(list(args.real.glob("*.txt")))
            rows += corpus_rows("real", args.real, tmp, args.engine, min(args.queries, real_count), rng)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'lbsearch':>9}  {'baseline':>9}")
    for name, ours_value, base_value in rows:
        print(f"{name:<{width}}  {ours_value:>9}  {base_value:>9}")
    print(f"(generated: {args.docs} articles, seed {args.seed}; {args.queries} known items per kind; "
          f"engine {args.engine}; rescore window {plan.RESCORE_WINDOW}; baseline plain tantivy)")


if __name__ == "__main__":
    main()
