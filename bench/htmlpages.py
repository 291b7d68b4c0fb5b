"""Saved news pages shaped like laodongthudo.vn and laodong.vn, for tests and benchmarks.

A Story (headline, byline, lead, paragraphs, captions, related headlines) comes
from a text article shaped like seeds/ (the real seeds, or bench/generate.py's),
and render() wraps it in what surrounds an article on those sites: menus,
breadcrumbs, share buttons, tags, related boxes, a "Đọc nhiều" sidebar, a footer,
styles and scripts. Pages vary the metadata the publication date comes from
(article:published_time, JSON-LD, <time datetime>, or only the visible byline).

    python -m bench.htmlpages OUT_DIR --docs 300 [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from lbsearch import dates
from lbsearch.extract import decode, extract
from lbsearch.places import districts
from lbsearch.text import fold_text

from .generate import SEEDS, Chain, article

SITES = {"ldtd": ("Lao Động Thủ Đô", "https://laodongthudo.vn"), "ld": ("Lao Động", "https://laodong.vn")}
MENU = {"Thời sự": ["Chính trị", "Chính sách mới", "Bình luận"], "Công đoàn": ["Hoạt động", "Chân dung", "Tư vấn"],
        "Hà Nội": ["Giao thông", "Đô thị", "Quận huyện"], "Pháp luật": ["An ninh", "Bạn đọc", "Điều tra"],
        "Kinh tế": ["Doanh nghiệp", "Bất động sản", "Thị trường"], "Văn hóa": ["Du lịch", "Giải trí", "Thể thao"],
        "Multimedia": ["Emagazine", "Infographic", "Video"]}
NAV_LABELS = [label for top, subs in MENU.items() for label in (top, *subs)]
FOOTER = ("Cơ quan chủ quản: Liên đoàn Lao động thành phố Hà Nội. Giấy phép số 91/GP-BTTTT. "
          "Địa chỉ tòa soạn: Số 6 phố Trần Quốc Toản, phường Cửa Nam, Hà Nội. Điện thoại đường dây nóng 0243.9421.499")
HEADINGS = ("Có thể bạn quan tâm", "Nên xem", "Tin khác", "Tin cùng chuyên mục", "Xem thêm", "Tin liên quan")
_STYLE = "".join(f".c{i}{{margin:{i % 9}px;padding:{i % 5}px;font:14px/1.5 Arial;color:#{i * 2713 % 4096:03x}}}\n"
                 for i in range(260))
_SCRIPT = "".join(f"window.dataLayer.push({{'event':'slot{i}','zone':'zone-{i * 37 % 1000}','size':[300,250]}});\n"
                  for i in range(200))


@dataclass
class Story:
    title: str
    section: str
    published: datetime
    paragraphs: list[str]               # the first one is the lead (sapo)
    captions: list[str] = field(default_factory=list)
    author: str = ""
    related: list[str] = field(default_factory=list)  # other articles' headlines
    popular: list[str] = field(default_factory=list)  # the "Đọc nhiều" sidebar


def story_from_text(text: str, rng: random.Random) -> Story:
    """A Story from a text article shaped like seeds/: short lines ending " |" are captions."""
    found = extract(text, "page", "page.txt")
    captions = {" ".join(re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", line).replace("|", " ").split())
                for line in text.split("\n") if line.rstrip().endswith("|") and len(line) < 250}
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    byline = next((line for line in lines[1:4] if len(line) <= 120 and dates.FULL_DATE_RE.search(line)
                   and dates.TIME_RE.search(line)), None)
    section, published = rng.choice(["Hoạt động", "Công đoàn"]), None
    if byline:
        day, month, year = dates.FULL_DATE_RE.search(byline).groups()
        hour, minute = dates.TIME_RE.search(byline)[0].split(":")
        published = datetime(int(year), int(month), int(day), int(hour), int(minute))
        section = byline.split(" - ")[0] if " - " in byline else section
    heading = next((i for i, line in enumerate(lines) if line in HEADINGS), len(lines))
    related = [re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line).strip() for line in lines[heading:]]
    related = [line for line in dict.fromkeys(related)
               if line and line not in HEADINGS and len(line) < 160 and not dates.TIME_RE.search(line)]
    body = found.body.split("\n") if found.body else []
    return Story(title=found.title, section=section,
                 published=published or datetime(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28), 9, 30),
                 paragraphs=[p for p in body if p not in captions], captions=[c for c in body if c in captions],
                 author=rng.choice(["B.Duy", "Mai Quý", "MAI LIỄU", "Hà Phong"]), related=related[:8])


def generated_story(chain: Chain, rng: random.Random, number: int) -> Story:
    """A bench/generate.py article as a Story, with captions and other districts in the furniture."""
    story = story_from_text(article(chain, rng, number), rng)
    names = [d.name for d in districts()]
    story.captions = [f"{chain.sentence(rng.randint(8, 16))}. Ảnh: {story.author}" for _ in range(rng.randint(1, 3))]
    story.related = [f"{h} {rng.choice(names)}" for h in story.related]
    story.popular = [f"{chain.sentence(rng.randint(6, 10))} tại {rng.choice(names)}" for _ in range(5)]
    return story


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_text(text).lower()).strip("-")[:80]


def url_of(story: Story, site: str, number: int) -> str:
    base = SITES[site][1]
    return f"{base}/{slug(story.title)}-{number + 10000}.html" if site == "ldtd" else \
        f"{base}/cong-doan/{slug(story.title)}-{number + 900000}.ldo"


def _figure(site: str, caption: str, number: int) -> str:
    img = f'<img src="https://{site}.vn/media/{number}.jpg" alt="" width="800" height="533" loading="lazy">'
    if site == "ld":  # laodong.vn: a picture table whose second row holds the caption
        return (f'<table class="picture"><tbody><tr><td class="pic">{img}</td></tr>'
                f'<tr><td class="caption"><p>{escape(caption)}</p></td></tr></tbody></table>')
    return f'<figure class="image align-center">{img}<figcaption>{escape(caption)}</figcaption></figure>'


def _box(title: str, items: list[str], css: str, when: str = "") -> str:
    lis = "".join(f'<li><a href="/{slug(h)}.html"><img src="/thumb/{slug(h)[:20]}.jpg" alt="{escape(h)}"></a>'
                  f'<h3><a href="/{slug(h)}.html" title="{escape(h)}">{escape(h)}</a></h3>'
                  + (f'<span class="time">{when}</span>' if when else "") + "</li>" for h in items)
    return f'<section class="{css}"><h2 class="box-title">{title}</h2><ul>{lis}</ul></section>'


def render(story: Story, site: str = "ldtd", meta: str = "og", url: str = "https://laodongthudo.vn/a-1.html") -> str:
    """The page of one story. meta: "og" (article:published_time), "jsonld", "time" or "none"."""
    name, base = SITES[site]
    iso = story.published.strftime("%Y-%m-%dT%H:%M:00+07:00")
    when = story.published.strftime("%d/%m/%Y %H:%M")
    head = [f'<meta charset="utf-8"><title>{escape(story.title)} - {name}</title>',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta property="og:title" content="{escape(story.title)}">']
    if meta != "none":
        head.append(f'<meta property="og:url" content="{url}">')
    if meta in ("og", "time"):
        head.append(f'<link rel="canonical" href="{url}">')
    if meta == "og":
        head.append(f'<meta property="article:published_time" content="{iso}">')
    if meta == "jsonld":
        data = {"@type": "NewsArticle", "headline": story.title, "datePublished": iso, "url": url}
        wrapped = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "url": url}, data]} \
            if len(story.title) % 2 else {"@context": "https://schema.org", **data}
        head.append(f'<script type="application/ld+json">{json.dumps(wrapped, ensure_ascii=False)}</script>')
    head += [f'<link rel="stylesheet" href="{base}/css/main.css"><style>{_STYLE}</style>',
             f"<script>window.dataLayer=window.dataLayer||[];\n{_SCRIPT}</script>"]
    menu = "".join(f'<li><a href="/{slug(top)}">{top}</a><ul class="sub">'
                   + "".join(f'<li><a href="/{slug(s)}">{s}</a></li>' for s in subs) + "</ul></li>"
                   for top, subs in MENU.items())
    stamp = f'<time datetime="{iso}">{when}</time>' if meta == "time" else when
    byline = f'<div class="meta"><a class="cate" href="/{slug(story.section)}">{escape(story.section)}</a> - ' \
             f'<span class="time">{stamp}</span></div>'
    lead, *rest = story.paragraphs or [""]
    body, every = [], max(1, len(rest) // (len(story.captions) + 1))
    for i, paragraph in enumerate(rest):
        body.append(f"<p>{escape(paragraph)}</p>")
        if (i + 1) % every == 0 and (i + 1) // every <= len(story.captions):
            body.append(_figure(site, story.captions[(i + 1) // every - 1], i))
    inline = _box("Tin liên quan", story.related[:3], "related-inline")
    tags = "".join(f'<a href="/tag/{slug(t)}">{t}</a>' for t in ("Công đoàn", "LĐLĐ", story.section))
    return f"""<!DOCTYPE html>
<html lang="vi"><head>{"".join(head)}</head><body class="{site}">
<header class="header"><div class="topbar">{when[:10]} | Đường dây nóng: 0243.9421.499 | Đăng nhập</div>
<a class="logo" href="{base}/"><img src="/logo.png" alt="{name}"></a><nav class="menu"><ul>{menu}</ul></nav></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/cong-doan">Công đoàn</a> » <span>{escape(story.section)}</span></div>
<main class="container"><article class="detail">
<h1 class="title">{escape(story.title)}</h1>{byline}
<div class="share"><a href="#">Facebook</a> <a href="#">Zalo</a> <a href="#">Sao chép liên kết</a></div>
<div class="{"chappeau" if site == "ld" else "sapo"}"><p><strong>{escape(lead)}</strong></p></div>
{inline if site == "ldtd" else ""}<div class="content">{"".join(body)}</div>
<p class="author"><strong>{escape(story.author)}</strong></p><div class="tags">Từ khóa: {tags}</div>
</article>
{_box("Có thể bạn quan tâm", story.related[3:6], "box-care")}
{_box("Tin khác" if site == "ldtd" else "Tin cùng chuyên mục", story.related[6:] or story.related[:2], "box-other", when)}
</main><aside class="sidebar">{_box("Đọc nhiều", story.popular, "most-read")}<div class="ads">Quảng cáo</div></aside>
<footer class="footer"><p>{FOOTER}</p><p>© {name}. Ghi rõ nguồn "{name}" khi phát hành lại thông tin từ website này.</p></footer>
<script src="{base}/js/app.js"></script><script>document.querySelectorAll('.share a').forEach(a=>a.onclick=null);</script>
</body></html>
"""


def pages(docs: int, seed: int = 7) -> list[tuple[Story, str, str]]:
    """(story, html, url) of docs pages: the 5 seeds first, then generated articles."""
    rng = random.Random(seed)
    chain = Chain(rng)
    stories = [story_from_text(decode(p.read_bytes()), rng) for p in sorted(SEEDS.glob("*.txt"))][:docs]
    for story in stories:
        story.popular = [chain.sentence(rng.randint(6, 10)) for _ in range(5)]
    stories += [generated_story(chain, rng, n) for n in range(docs - len(stories))]
    out = []
    for number, story in enumerate(stories):
        site, meta = ("ldtd", "ld")[number % 2], ("og", "jsonld", "time", "none")[number % 4]
        url = url_of(story, site, number)
        out.append((story, render(story, site, meta, url), url))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for number, (_, html, _) in enumerate(pages(args.docs, args.seed)):
        (args.out / f"page_{number:06d}.html").write_text(html, "utf-8")


if __name__ == "__main__":
    main()
