"""Write N synthetic articles shaped like seeds/: headline, byline, paragraphs, furniture.

The words come from the real seeds through a syllable Markov chain, mixed with
draws from the seeds' own syllable frequencies (a Zipf-like curve: common words
are common, most phrases are rare), plus per-article names, numbers and a Hanoi
district, so that each article has something of its own.

Two layouts of the same generator, both seeded (every run writes the same files):
- `generate()`: one random stream, one process. The relevance, browse and
  single-size speed benchmarks use it; its articles are those of the earlier
  BENCHMARKS tables.
- `generate_blocks()`: blocks of BLOCK articles, each block its own stream
  (block 0 is generate()'s stream), written by worker processes. The growth
  benchmark makes its largest corpus with it; any prefix of whole blocks is the
  same whatever the corpus size or the number of workers.

    python -m bench.generate OUT_DIR --docs 1000 [--seed 7] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import random
from bisect import bisect
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from itertools import accumulate
from pathlib import Path

from lbsearch.extract import decode, extract
from lbsearch.places import districts
from lbsearch.text import SYLLABLE_RE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
GIVEN = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hồng", "Quang", "Thanh", "Ngọc", "Hải", "Tuấn", "Lan",
         "Hùng", "Dũng", "Hương", "Phương", "Trung", "Bình", "Sơn", "Hà", "Khánh", "Long"]
SECTIONS = ["Hoạt động Công đoàn", "Công đoàn", "Hoạt động", "Xã hội"]
BLOCK = 10_000


class Chain:
    """Syllable bigram chain over the seeds' article text (furniture excluded)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next: dict[str, list[str]] = defaultdict(list)
        counts: Counter[str] = Counter()
        for path in sorted(SEEDS.glob("*.txt")):
            article = extract(decode(path.read_bytes()), path.stem, str(path))
            for sentence in article.body.replace("\n", ". ").split(". "):
                words = SYLLABLE_RE.findall(sentence)
                counts.update(words)
                for a, b in zip(words, words[1:]):
                    self.next[a].append(b)
        self.vocabulary = list(counts)
        self.weights = [counts[w] for w in self.vocabulary]
        # rng.choices(vocabulary, weights) sums the weights on every call (3 ms an
        # article); the same draw from sums made once gives the same words.
        self._sums = list(accumulate(self.weights))
        self._total = self._sums[-1] + 0.0
        self._last = len(self._sums) - 1
        self._following = {word: (options, len(options), len(options).bit_length())
                           for word, options in self.next.items() if options}

    def word(self) -> str:
        return self.vocabulary[bisect(self._sums, self.rng.random() * self._total, 0, self._last)]

    def sentence(self, length: int) -> str:
        # word() and rng.choice() written out, the same draws in the same order
        # (choice is seq[_randbelow(len(seq))], and _randbelow draws bit_length(n)
        # bits until it gets one below n): 0.33 to 0.19 ms an article.
        random, bits = self.rng.random, self.rng.getrandbits
        following, vocabulary = self._following, self.vocabulary
        sums, total, last = self._sums, self._total, self._last
        word = vocabulary[bisect(sums, random() * total, 0, last)]
        words = [word]
        for _ in range(length - 1):
            followers = following.get(word)
            # Mostly follow the chain; sometimes jump, so long phrases stay rare.
            if followers and random() < 0.8:
                options, count, width = followers
                drawn = bits(width)
                while drawn >= count:
                    drawn = bits(width)
                word = options[drawn]
            else:
                word = vocabulary[bisect(sums, random() * total, 0, last)]
            words.append(word)
        text = " ".join(words)
        return text[0].upper() + text[1:]


def article(chain: Chain, rng: random.Random, number: int) -> str:
    person = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)} {rng.choice(GIVEN)}"
    place = rng.choice(districts()).name
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2025)
    title = f"{chain.sentence(rng.randint(6, 11))} {place}"
    paragraphs = []
    for p in range(rng.randint(4, 8)):
        sentences = [chain.sentence(rng.randint(10, 24)) for _ in range(rng.randint(2, 4))]
        if p == 0:
            sentences[0] = f"Ngày {day}/{month}, LĐLĐ quận {place} và ông {person} {sentences[0].lower()}"
        if rng.random() < 0.3:
            sentences.append(f"Tổng kinh phí {rng.randint(10, 990)} triệu đồng cho {rng.randint(20, 900)} đoàn viên")
        paragraphs.append(". ".join(sentences) + ".")
    related = [chain.sentence(rng.randint(6, 12)) for _ in range(rng.randint(3, 6))]
    furniture = ["Có thể bạn quan tâm", "Nên xem", *related, "Tin khác"]
    for headline in related[:3]:
        furniture += [headline, f"Hoạt động {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025 10:00"]
    byline = f"{rng.choice(SECTIONS)} - {day:02d}/{month:02d}/{year} {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"
    return "\n".join([title, byline, *paragraphs, *furniture]) + "\n"


def file_name(number: int) -> str:
    return f"gen_{number:06d}.txt"


def generate(out: Path, docs: int, seed: int = 7, start: int = 0) -> list[Path]:
    rng = random.Random(seed)
    chain = Chain(rng)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(start, start + docs):
        path = out / file_name(number)
        path.write_text(article(chain, rng, number), "utf-8")
        written.append(path)
    return written


def generate_blocks(out: Path, docs: int, seed: int = 7, jobs: int | None = None) -> None:
    """Articles 0 to docs-1 in out, block by block, in worker processes (one per core)."""
    out.mkdir(parents=True, exist_ok=True)
    blocks = [(str(out), seed, block, min(docs, (block + 1) * BLOCK)) for block in range(-(-docs // BLOCK))]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(blocks)))
    if jobs == 1:
        for block in blocks:
            _write_block(*block)
        return
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_write_block, *zip(*blocks)))


def _write_block(out: str, seed: int, block: int, end: int) -> None:
    # Block 0 is generate()'s stream; the others get streams of their own, seeded
    # from the block's number so that no block depends on another.
    rng = random.Random(seed if block == 0 else f"{seed}/{block}")
    chain = Chain(rng)
    for number in range(block * BLOCK, end):
        with open(os.path.join(out, file_name(number)), "w", encoding="utf-8") as file:
            file.write(article(chain, rng, number))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes; more than 1 writes blocks of 10,000, each its own stream")
    args = parser.parse_args()
    if args.jobs > 1:
        generate_blocks(args.out, args.docs, args.seed, args.jobs)
    else:
        generate(args.out, args.docs, args.seed)


if __name__ == "__main__":
    main()
