"""Main-text extractors measured on news pages shaped like the seeds' sites.

Pages come from bench/htmlpages.py: the 5 seeds, then generated articles. For
each extractor and page: time (best of 3, in process), share of the article's
own paragraphs found, furniture that leaks (related boxes, "Đọc nhiều", menus,
footer), captions, whether each paragraph comes out as one line, and whether
the visible byline ("Hoạt động Công đoàn - 20/05/2022 17:40") does.

    python -m bench.extractors --docs 300
"""

from __future__ import annotations

import argparse
import statistics
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="generated pages, besides the 5 seeds")
    parser.add_argument("--only", help="extractors whose name contains this text")
    args = parser.parse_args()
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
