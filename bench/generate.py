"""Write N synthetic articles shaped like seeds/: headline, byline, paragraphs, furniture.

The words come from the real seeds through a syllable Markov chain, mixed with
draws from the seeds' own syllable frequencies (a Zipf-like curve: common words
are common, most phrases are rare), plus per-article names, numbers and a Hanoi
district, so that each article has something of its own.

    python -m bench.generate OUT_DIR --docs 1000 [--seed 7]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from lbsearch.extract import decode, extract
from lbsearch.places import districts
from lbsearch.text import SYLLABLE_RE

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
GIVEN = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hồng", "Quang", "Thanh", "Ngọc", "Hải", "Tuấn", "Lan",
         "Hùng", "Dũng", "Hương", "Phương", "Trung", "Bình", "Sơn", "Hà", "Khánh", "Long"]
SECTIONS = ["Hoạt động Công đoàn", "Công đoàn", "Hoạt động", "Xã hội"]


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

    def word(self) -> str:
        return self.rng.choices(self.vocabulary, self.weights)[0]

    def sentence(self, length: int) -> str:
        words = [self.word()]
        while len(words) < length:
            followers = self.next.get(words[-1])
            # Mostly follow the chain; sometimes jump, so long phrases stay rare.
            words.append(self.rng.choice(followers) if followers and self.rng.random() < 0.8 else self.word())
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


def generate(out: Path, docs: int, seed: int = 7, start: int = 0) -> list[Path]:
    rng = random.Random(seed)
    chain = Chain(rng)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(start, start + docs):
        path = out / f"gen_{number:06d}.txt"
        path.write_text(article(chain, rng, number), "utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.docs, args.seed)


if __name__ == "__main__":
    main()
