"""A corpus of real Vietnamese prose that nobody here wrote, shaped like the seeds.

Debian's translators wrote manpages-vi and maint-guide-vi. This turns them into
article files (a headline line, then paragraphs): every paragraph of 30 or more
syllables opens an article, its first sentence is the headline, and the rest of
the paragraph with the next paragraphs of the same section is the body, so that
bodies share words with other articles' headlines the way news pages do.

    python -m bench.realtext OUT_DIR [--packages DIR]

The packages are fetched with `apt-get download` and unpacked with `dpkg -x`
(no root install) into --packages, once.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
from pathlib import Path

from lbsearch.text import SYLLABLE_RE

PACKAGES = ("manpages-vi", "maint-guide-vi")
_ESCAPES = [(r"\\f\(..|\\f\[[^\]]*\]|\\f.", ""), (r"\\\((em|en)", "—"), (r"\\\(..", " "), (r"\\[-e]", "-"),
            (r"\\[&|^/,:%]", ""), (r"\\\*\(..|\\\*.", ""), (r"\\s[+-]?\d", ""), (r"\\ ", " ")]
_SENTENCE_RE = re.compile(r"(?<=[.!?:;])\s+")


def fetch(packages_dir: Path) -> Path:
    """The unpacked packages, downloaded the first time."""
    unpacked = packages_dir / "root"
    if unpacked.exists():
        return unpacked
    packages_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=packages_dir, check=True, capture_output=True)
    for deb in sorted(packages_dir.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True)
    return unpacked


def man_sections(text: str) -> list[list[str]]:
    """Paragraphs of a troff man page, grouped by section."""
    sections: list[list[str]] = [[]]
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            sections[-1].append(" ".join(paragraph))
            paragraph.clear()

    for line in text.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith("."):
            request = line.split(None, 1)
            close()
            if request[0] in (".SH", ".SS"):
                sections.append([])
            elif request[0] in (".B", ".I", ".BR", ".IR", ".BI", ".IB", ".RB", ".RI") and len(request) > 1:
                paragraph.append(request[1].replace('"', ""))
            continue
        for pattern, replacement in _ESCAPES:
            line = re.sub(pattern, replacement, line)
        if line.strip():
            paragraph.append(line.strip())
    close()
    return [section for section in sections if section]


def guide_sections(text: str) -> list[list[str]]:
    """Paragraphs of the plain-text guide, grouped by numbered heading."""
    sections: list[list[str]] = [[]]
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip(" *+\t") for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if re.match(r"^\d+(\.\d+)*\.\s", lines[0]) and len(lines) == 1:
            sections.append([])
            continue
        sections[-1].append(" ".join(lines))
    return [section for section in sections if section]


def articles(root: Path) -> list[tuple[str, str]]:
    """(headline, body) pairs from every man page and the guide."""
    sections = []
    for page in sorted((root / "usr/share/man/vi").rglob("*.gz")):
        sections += man_sections(gzip.open(page, "rt", encoding="utf-8", errors="replace").read())
    for guide in sorted(root.rglob("maint-guide.vi.txt.gz")):
        sections += guide_sections(gzip.open(guide, "rt", encoding="utf-8", errors="replace").read())
    out = []
    seen = set()  # boilerplate (licences, "see also") repeats from page to page: once
    for paragraphs in sections:
        for number, paragraph in enumerate(paragraphs):
            words = SYLLABLE_RE.findall(paragraph)
            if len(words) < 30 or sum(not w.isascii() for w in words) < len(words) // 4:
                continue  # short, or left untranslated
            paragraph = " ".join(paragraph.split())
            first = _SENTENCE_RE.split(paragraph, 1)[0]
            headline = first.rstrip(".:;")
            if not 4 <= len(SYLLABLE_RE.findall(headline)) <= 25:
                continue
            rest = paragraph[len(first):].strip()
            body = [part for part in [rest, *paragraphs[number + 1 : number + 4]] if part]
            key = " ".join(SYLLABLE_RE.findall(headline.lower()))
            if key not in seen and sum(len(SYLLABLE_RE.findall(p)) for p in body) >= 20:
                seen.add(key)
                out.append((headline, "\n".join(body)))
    return out


def write(out: Path, packages_dir: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (headline, body) in enumerate(articles(fetch(packages_dir))):
        path = out / f"real_{number:05d}.txt"
        path.write_text(f"{headline}\n\n{body}\n", "utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="real Vietnamese prose from Debian, as articles")
    parser.add_argument("out", type=Path)
    parser.add_argument("--packages", type=Path, default=Path.home() / ".cache" / "lbsearch-bench" / "debian")
    args = parser.parse_args()
    print(f"{len(write(args.out, args.packages))} articles in {args.out}")


if __name__ == "__main__":
    main()
