"""Site pages written in Markdown (``content/pages``): charter, help, legal notice, statement."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup

from ..frontmatter import split_front_matter
from ..markup import render_markdown

PAGES_DIR = Path(__file__).resolve().parents[2] / "content" / "pages"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    summary: str
    html: Markup


@cache
def load_page(slug: str) -> Page | None:
    """A content page rendered once per process; ``None`` if there is none."""
    if not slug.replace("-", "").isalnum():
        return None
    path = PAGES_DIR / f"{slug}.md"
    if not path.is_file():
        return None
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    return Page(
        slug=slug,
        title=str(meta.get("title", slug)),
        summary=str(meta.get("summary", "")),
        html=render_markdown(body),
    )
