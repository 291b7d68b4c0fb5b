"""What the copies signature costs per article, and how well it estimates: one table.

    python -m bench.signatures [--generated DIR] [--articles 2000] [--trials 60]

- CPU time per article (best and median of 7 passes, time.process_time: on a
  shared machine wall time measures the neighbours) of lbsearch's signature
  (rensa's R-MinHash where rensa is installed) from the folded text and from
  the syllable pairs the analysis already made (what reading an article does),
  of the Python one-permutation MinHash (the fallback), and of (b), a faster
  Python variant measured and not shipped: slot and 16-bit value from 22 bits
  of the shingle's hash, sorted as small ints and looked up by bisection;
- on near-copies made by editing 5%, 10% and 20% of an article's sentences
  (replaced by sentences of other articles, or one word changed in each), the
  error of each estimate against the exact Jaccard similarity, how often it
  falls on the wrong side of 0.9 (and outside the band where the texts decide),
  and how often a copy at 0.9 or more shares no band (is never a candidate).

Articles: the seeds (5 real articles, 700-1,200 syllables) and generated ones
(bench/generate.py, about 375 syllables; made in a temporary folder unless
--generated names a folder of them).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from array import array
from bisect import bisect_left
from itertools import repeat
from operator import and_
from pathlib import Path

from lbsearch import copies
from lbsearch.analysis import analyse
from lbsearch.extract import load_file

from .generate import generate

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_KEY = (copies.SLOTS << 16) - 1  # 22 bits: the slot (high 6), the value (low 16)
_STARTS = [slot << 16 for slot in range(copies.SLOTS)]


def sorted_keys_signature(folded: str) -> bytes:
    """(b): the Python MinHash with 22-bit keys sorted as small ints, each slot's
    smallest found by bisection (other signatures than the shipped Python one)."""
    keys = sorted(map(and_, copies._shingle_hashes(folded.split()), repeat(_KEY)))
    slots = array("H")
    for start in _STARTS:
        at = bisect_left(keys, start)
        slots.append(keys[at] & 0xFFFF if at < len(keys) and keys[at] < start + 0x10000 else copies._EMPTY)
    return slots.tobytes()


def implementations() -> dict[str, object]:
    """Each signature as a function of a text's folded syllables."""
    found = {"Python one-permutation (fallback)": lambda folded: copies._python_signature(folded.split()),
             "(b) Python, sorted 22-bit keys": sorted_keys_signature}
    if copies.RMinHash is not None:
        shipped = "rensa R-MinHash (shipped), from the folded text"
        found = {shipped: lambda folded: copies._rensa_signature(folded.split()), **found}
    return found


def articles(paths: list[Path]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        for article in load_file(path, path.name, str(path), None).articles:
            found.append((article.title, article.body))
    return found


def folded(title: str, body: str) -> str:
    return " ".join(analyse(title, body, body.split("\n", 1)[0]).words)


def cpu_per_article(function, texts: list[str], passes: int = 7) -> tuple[float, float]:
    times = []
    for _ in range(passes):
        started = time.process_time()
        for text in texts:
            function(text)
        times.append((time.process_time() - started) / len(texts) * 1e6)
    return min(times), statistics.median(times)


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(body: str) -> list[str]:
    return [s for s in _SENTENCE.split(body) if s.strip()]


def edited(body: str, share: float, rng: random.Random, donors: list[str], how: str) -> str:
    parts = sentences(body)
    for at in rng.sample(range(len(parts)), max(1, round(share * len(parts)))):
        if how == "replaced":
            parts[at] = rng.choice(donors)
        else:
            words = parts[at].split()
            words[rng.randrange(len(words))] = rng.choice(["khác", "mới", "nhiều", "thêm", "đã"])
            parts[at] = " ".join(words)
    return "\n".join(parts)


def shares_a_band(a: bytes, b: bytes) -> bool:
    return bool(set(copies.band_terms(a, None)) & set(copies.band_terms(b, None)))


def quality(functions: dict, pool: list[tuple[str, str]], donors: list[str], trials: int, rng: random.Random):
    for how in ("replaced", "one word"):
        for share in (0.05, 0.10, 0.20):
            pairs = []
            for title, body in pool:
                for _ in range(trials):
                    a, b = folded(title, body), folded(title, edited(body, share, rng, donors, how))
                    pairs.append((a, b, copies.jaccard(a, b)))
            exact = [j for _, _, j in pairs]
            row = [f"{how} {share:.0%}", f"{len(pairs)}", f"{statistics.mean(exact):.3f} ({min(exact):.2f}-{max(exact):.2f})"]
            for function in functions.values():
                errors, wrong, sure_wrong, missed, copies_seen = [], 0, 0, 0, 0
                for a, b, j in pairs:
                    sa, sb = function(a), function(b)
                    estimate = copies.similarity(sa, sb)
                    errors.append(estimate - j)
                    if (estimate >= copies.THRESHOLD) != (j >= copies.THRESHOLD):
                        wrong += 1
                        sure_wrong += not copies.UNSURE_LOW <= estimate < copies.UNSURE_HIGH
                    if j >= copies.THRESHOLD:
                        copies_seen += 1
                        missed += not shares_a_band(sa, sb)
                row.append(f"{statistics.mean(errors):+.3f} / {statistics.pstdev(errors):.3f} / "
                           f"{max(map(abs, errors)):.2f}; {wrong} ({sure_wrong}); {missed}/{copies_seen}")
            yield row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path, help="a folder of bench/generate.py articles")
    parser.add_argument("--articles", type=int, default=2000, help="generated articles timed")
    parser.add_argument("--trials", type=int, default=60, help="near-copies made of each seed per edit")
    args = parser.parse_args()
    folder = args.generated
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="lbsearch-signatures-"))
        generate(folder, args.articles + 300)
    generated = articles(sorted(folder.glob("*.txt"))[:args.articles + 300])
    seeds = articles(sorted(SEEDS.glob("*.txt")))
    functions = implementations()
    timed = {"seeds (x40)": [folded(*a) for a in seeds] * 40, "generated": [folded(*a) for a in generated[:args.articles]]}
    for texts in timed.values():
        for text in texts:
            for function in functions.values():
                function(text)  # the syllable tables filled, as in a long build
    print(f"µs of CPU per article, best / median of 7: {', '.join(f'{k}: {sum(len(t.split()) for t in v) // len(v)} syllables' for k, v in timed.items())}")
    print("| signature | " + " | ".join(timed) + " |")
    print("|---|" + "---|" * len(timed))
    for name, function in functions.items():
        print(f"| {name} | " + " | ".join("%.0f / %.0f" % cpu_per_article(function, texts) for texts in timed.values()) + " |")
    # What reading an article does: the shingles made from the pairs its analysis made.
    analysed = {label: [analyse(t, b, b.split("\n", 1)[0]) for t, b in pool]
                for label, pool in (("seeds (x40)", seeds * 40), ("generated", generated[:args.articles]))}
    print("| lbsearch's, from the analysis's pairs (as reading does) | " + " | ".join(
        "%.0f / %.0f" % cpu_per_article(lambda a: copies.words_signature(a.words, a.pairs), analysed[label])
        for label in timed) + " |")
    print()
    print("Near-copies: bias / sd / largest error of the estimate; on the wrong side of 0.9 (of which outside "
          "the band the texts decide); copies at 0.9 or more sharing no band")
    rng = random.Random(5)
    donors = [s for _, body in generated[-300:] for s in sentences(body)]
    print("| pool, edit | pairs | exact Jaccard | " + " | ".join(functions) + " |")
    print("|---|---|---|" + "---|" * len(functions))
    for label, pool, trials in (("seeds", seeds, args.trials), ("generated", generated[:200], 1)):
        for row in quality(functions, pool, donors, trials, rng):
            print(f"| {label} {row[0]} | " + " | ".join(row[1:]) + " |")


if __name__ == "__main__":
    main()
