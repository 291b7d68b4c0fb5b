"""Main-text extractors measured on news pages: generated in the seeds' sites' shapes, or real.

--docs N (the default): pages from bench/htmlpages.py, the 5 seeds, then generated
articles. For each extractor and page: time (best of 3, in process), share of the
article's own paragraphs found, furniture that leaks (related boxes, "Đọc nhiều",
menus, footer), captions, whether each paragraph comes out as one line, and whether
the visible byline ("Hoạt động Công đoàn - 20/05/2022 17:40") does.

--real: the real saved pages of tests/realpages and, when it is there,
../shared/realpages (11 pages of 9 sites, 65-508 KB), each with its headline, date,
lead, first and last sentence and furniture read by hand. For each extractor and
page: CPU time (best of 3, in process, one core), whether the text starts with the lead and
then the first sentence (captions allowed between), ends with the last sentence,
and which furniture phrases leak. lbsearch is measured whole (load_file: the page
read, its furniture rules, headline and date), the others on their text.

    python -m bench.extractors --docs 300
    python -m bench.extractors --real
    PYTHONPATH=/tmp/tlib python -m bench.extractors --real   # trafilatura installed aside:
                                                            # pip install --target /tmp/tlib trafilatura lxml_html_clean
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .htmlpages import FOOTER, NAV_LABELS, Story, pages

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "figcaption", "td", "blockquote", "pre"}


def _lxml_blocks(root) -> str:
    """One line per block element that holds no other block (readability gives HTML)."""
    lines = []
    for element in root.iter(*_BLOCKS):
        if not any(child.tag in _BLOCKS for child in element.iterdescendants()):
            lines.append(" ".join(element.text_content().split()))
    return "\n".join(line for line in lines if line)


def trafilatura_default(html: str) -> str:
    import trafilatura
    return trafilatura.extract(html) or ""


def trafilatura_fast(html: str) -> str:
    import trafilatura
    return trafilatura.extract(html, fast=True, include_comments=False, include_tables=False) or ""


def trafilatura_fast_tables(html: str) -> str:
    import trafilatura
    return trafilatura.extract(html, fast=True, include_comments=False) or ""


def trafilatura_metadata(html: str) -> str:
    """What lbsearch would need from it: text plus title, date and url (htmldate runs)."""
    import trafilatura
    doc = trafilatura.bare_extraction(html, fast=True, include_comments=False, with_metadata=True)
    return doc.text if doc else ""


def resiliparse_main(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree
    return extract_plain_text(HTMLTree.parse(html), main_content=True, alt_texts=False, list_bullets=False)


def resiliparse_all(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree
    return extract_plain_text(HTMLTree.parse(html), main_content=False, alt_texts=False, list_bullets=False)


def readability(html: str) -> str:
    import lxml.html
    from readability import Document
    return _lxml_blocks(lxml.html.fromstring(Document(html).summary(html_partial=True)))


def justext_vi(html: str) -> str:
    import justext
    paragraphs = justext.justext(html, justext.get_stoplist("Vietnamese"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def lxml_parse_only(html: str) -> str:
    """Floor: lxml parsing plus every block's text, no main-content choice."""
    import lxml.html
    root = lxml.html.fromstring(html)
    for bad in root.iter("script", "style"):
        bad.text = ""
    return _lxml_blocks(root)


def lbsearch_pages(html: str) -> str:
    from lbsearch.pages import read_page
    page = read_page(html)
    return "\n".join(page.lines)


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "trafilatura (defaults)": trafilatura_default,
    "trafilatura fast, no comments/tables": trafilatura_fast,
    "trafilatura fast, tables kept": trafilatura_fast_tables,
    "trafilatura fast + metadata": trafilatura_metadata,
    "resiliparse main_content": resiliparse_main,
    "resiliparse all text": resiliparse_all,
    "readability-lxml": readability,
    "justext (Vietnamese)": justext_vi,
    "lxml parse + all blocks": lxml_parse_only,
    "lbsearch.pages.read_page": lbsearch_pages,
}


def _norm(text: str) -> str:
    return " ".join(text.split())


def score(story: Story, output: str) -> dict[str, float]:
    lines = {_norm(line) for line in output.split("\n")}
    flat = _norm(output)
    paragraphs = [_norm(p) for p in story.paragraphs]
    found = [p for p in paragraphs if p in flat]
    share = lambda items: sum(_norm(i) in flat for i in items) / len(items) if items else 0.0  # noqa: E731
    date = story.published.strftime("%d/%m/%Y %H:%M")
    return {
        "complete": len(found) / len(paragraphs),
        "all_found": float(len(found) == len(paragraphs)),
        "related": share(story.related),
        "sidebar": share(story.popular),
        "nav": float(sum(label in lines for label in NAV_LABELS) >= 3),
        "footer": float(_norm(FOOTER)[:60] in flat),
        "captions": share(story.captions) if story.captions else float("nan"),
        "as_lines": sum(p in lines for p in found) / len(found) if found else 0.0,
        "byline": float(any(date in line and len(line) < 120 for line in lines)),
    }


def measure(extractor: Callable[[str], str], corpus: list[tuple[Story, str, str]]) -> dict[str, float]:
    times, rows = [], []
    for story, html, _ in corpus:
        best, output = float("inf"), ""
        for _ in range(3):
            start = time.perf_counter()
            try:
                output = extractor(html)
            except Exception as err:  # noqa: BLE001 - a crash counts as an empty extraction
                output = f"{type(err).__name__}"
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
        rows.append(score(story, output))
    result = {key: statistics.fmean(r[key] for r in rows if r[key] == r[key]) for key in rows[0]}
    result["ms"] = statistics.fmean(times)
    result["p95"] = sorted(times)[int(0.95 * (len(times) - 1))]
    return result


# --- real pages -----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
OWN_PAGES = ROOT / "tests" / "realpages"
SHARED_PAGES = ROOT.parent / "shared" / "realpages"


@dataclass
class RealPage:
    path: Path
    html: str
    expected: dict  # title, date, lead, between, first, last, furniture (tests/realpages/README.md)


def real_pages() -> list[RealPage]:
    """The real pages with what a reader sees in them, read by hand."""
    extra = json.loads((OWN_PAGES / "shared_extra.json").read_text("utf-8"))
    found = []
    for folder, more in ((SHARED_PAGES, extra), (OWN_PAGES, {})):
        if (folder / "expected.json").is_file():
            for name, expected in json.loads((folder / "expected.json").read_text("utf-8")).items():
                html = (folder / name).read_bytes().decode("utf-8")
                found.append(RealPage(folder / name, html, {**expected, **more.get(name, {})}))
    return found


def lbsearch_whole(html: str) -> str:
    """What lbsearch indexes of a page: load_file on it (decoding, read_page, extract's rules)."""
    from lbsearch.extract import load_file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.html"
        path.write_text(html, "utf-8")
        article = load_file(path, path.name, str(path)).articles[0]
    return f"{article.title}\n{article.date}\n{article.body}"


def real_score(page: RealPage, output: str, whole: bool) -> dict[str, bool | int]:
    """Does the text read as a reader reads the page: from the lead and the first sentence
    to the last, with none of the furniture? whole: the output is lbsearch's (title, date, body)."""
    from lbsearch.text import fold_text
    expected = page.expected
    lines = [_norm(line) for line in output.split("\n") if line.strip()]
    if whole:
        title, day, *lines = lines or ["", ""]
    else:
        title, day = expected["title"], expected["date"]
        while lines and lines[0] in (expected["title"], _norm(expected.get("title_alt", ""))):
            lines.pop(0)
    lead = bool(lines) and lines[0].startswith(expected["lead"])
    first = next((i for i, line in enumerate(lines) if line.startswith(expected["first"])), None)
    start = lead and first is not None and set(lines[1:first]) <= set(expected.get("between", []))
    body = f" {fold_text(chr(10).join(lines))} "
    leaks = sum(f" {fold_text(phrase)} " in body for phrase in expected["furniture"])
    end = "\n".join(lines).endswith(expected["last"])
    meta = title == expected["title"] and day == str(expected["date"])
    return {"lead": lead, "start": start, "end": end, "leaks": leaks, "meta": meta,
            "ok": start and end and not leaks and meta}


def measure_real(extractor: Callable[[str], str], corpus: list[RealPage], whole: bool) -> list[dict]:
    """Score and CPU time (best of 3; CPU time, so that other work on a shared machine counts less)."""
    rows = []
    for page in corpus:
        best, output = float("inf"), ""
        for _ in range(3):
            start = time.process_time()
            try:
                output = extractor(page.html)
            except Exception as err:  # noqa: BLE001 - a crash counts as an empty extraction
                output = f"{type(err).__name__}"
            best = min(best, time.process_time() - start)
        rows.append({"page": page.path.name, "ms": best * 1000, **real_score(page, output, whole)})
    return rows


REAL_EXTRACTORS: dict[str, Callable[[str], str]] = {
    "trafilatura (defaults)": trafilatura_default,
    "trafilatura fast, no comments/tables": trafilatura_fast,
    "resiliparse main_content": resiliparse_main,
    "readability-lxml": readability,
    "justext (Vietnamese)": justext_vi,
    "lbsearch.pages.read_page (structure only)": lbsearch_pages,
    "lbsearch.extract.load_file": lbsearch_whole,
}


def main_real(only: str | None) -> None:
    corpus = real_pages()
    sizes = [len(page.html.encode()) / 1024 for page in corpus]
    print(f"{len(corpus)} real pages, {min(sizes):.0f}-{max(sizes):.0f} KB (mean {statistics.fmean(sizes):.0f}); "
          "times: CPU ms, best of 3 per page, in process, one core")
    head = f"{'extractor':42} {'ms/page':>7} {'max':>6} {'ok':>5} {'lead':>5} {'start':>5} {'end':>5} {'leaks':>5}"
    print(head)
    print("-" * len(head))
    matrix = {}
    for name, extractor in REAL_EXTRACTORS.items():
        if only and only not in name:
            continue
        try:
            extractor(corpus[0].html)
        except ImportError as err:
            print(f"{name:42} not installed ({err.name})")
            continue
        rows = measure_real(extractor, corpus, whole=extractor is lbsearch_whole)
        matrix[name] = rows
        count = lambda key: sum(bool(r[key]) for r in rows)  # noqa: E731
        print(f"{name:42} {statistics.fmean(r['ms'] for r in rows):7.1f} {max(r['ms'] for r in rows):6.1f} "
              f"{count('ok'):>2}/{len(rows):<2} {count('lead'):>5} {count('start'):>5} {count('end'):>5} "
              f"{sum(r['leaks'] for r in rows):>5}")
    print("ok: lead, first and last sentence in place, no furniture (and, for lbsearch, headline and date);"
          " lead/start/end: pages whose text starts with the lead / goes on at the first sentence /"
          " ends with the last; leaks: furniture phrases found, all pages")
    print()
    print("per page (S start, E end, L furniture leaked, ms):")
    for index, page in enumerate(corpus):
        cells = []
        for name, rows in matrix.items():
            row = rows[index]
            flags = ("S" if row["start"] else "-") + ("E" if row["end"] else "-")
            flags += f"L{row['leaks']}" if row["leaks"] else ""
            cells.append(f"{flags:>5} {row['ms']:5.1f}")
        print(f"  {page.path.name[:40]:40} {len(page.html.encode()) // 1024:4d} KB  " + "  ".join(cells))
    print("  columns: " + ", ".join(matrix))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="generated pages, besides the 5 seeds")
    parser.add_argument("--only", help="extractors whose name contains this text")
    parser.add_argument("--real", action="store_true", help="the real saved pages instead (tests/realpages)")
    args = parser.parse_args()
    if args.real:
        main_real(args.only)
        return
    corpus = pages(args.docs + 5)
    size = statistics.fmean(len(html.encode()) for _, html, _ in corpus) / 1024
    print(f"{len(corpus)} pages (5 seeds + {args.docs} generated), mean {size:.0f} KB; times: best of 3 per page")
    head = f"{'extractor':38} {'ms/page':>7} {'p95':>6} {'text%':>6} {'all%':>5} {'relat%':>6} {'side%':>5} " \
           f"{'nav%':>5} {'foot%':>5} {'capt%':>5} {'lines%':>6} {'byline%':>7}"
    print(head)
    print("-" * len(head))
    for name, extractor in EXTRACTORS.items():
        if args.only and args.only not in name:
            continue
        try:
            extractor(corpus[0][1])
        except ImportError as err:
            print(f"{name:38} not installed ({err.name})")
            continue
        r = measure(extractor, corpus)
        pct = lambda key: f"{100 * r[key]:.0f}"  # noqa: E731
        print(f"{name:38} {r['ms']:7.2f} {r['p95']:6.2f} {pct('complete'):>6} {pct('all_found'):>5} "
              f"{pct('related'):>6} {pct('sidebar'):>5} {pct('nav'):>5} {pct('footer'):>5} {pct('captions'):>5} "
              f"{pct('as_lines'):>6} {pct('byline'):>7}")
    print("text%: share of the article's paragraphs found; all%: pages with every paragraph; relat%/side%:"
          " related/'Đọc nhiều' headlines leaked; nav%/foot%: pages with menus/footer; capt%: captions kept;"
          " lines%: found paragraphs that are one whole line; byline%: pages whose visible byline is a line")


if __name__ == "__main__":
    main()
