"""The one Markdown pipeline renders hostile input harmless: the public XSS corpora of
``tests/data/xss`` (PayloadsAllTheThings and the HTML5 Security Cheatsheet) as raw source and
inside Markdown constructs, plus the classic vectors, pathological nesting and bad bytes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from commons.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_text, render_markdown

XSS_DIR = Path(__file__).parent / "data" / "xss"
PAYLOADS = [
    line
    for path in sorted(XSS_DIR.glob("*.txt"))
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    if line.strip()
]
CONSTRUCTS = {
    "source": "{p}",
    "lien": "[x]({p})",
    "lien-chevrons": "[x](<{p}>)",
    "image": "![x]({p})",
    "reference": "[x][r]\n\n[r]: {p}",
    "tableau": "| a | b |\n|---|---|\n| {p} | z |",
    "note": "texte[^1]\n\n[^1]: {p}",
    "texte-et-titre": '[{p}](https://ok.example "{p}")',
    "wikilien": "[[{p}]]",
}
SAFE_SCHEMES = {"http", "https", "mailto"}


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"balise <{tag}>")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, []))
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name not in allowed:
                self.problems.append(f"attribut {name} sur <{tag}>")
            if name in ("href", "src") and value is not None:
                url = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
                scheme = re.match(r"^([a-z][a-z0-9+.\-]*):", url)
                if scheme and scheme.group(1) not in SAFE_SCHEMES:
                    self.problems.append(f"schéma {scheme.group(1)} dans {name}")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if (
                href.startswith(("http://", "https://", "//"))
                and dict(attrs).get("rel") != "nofollow noopener"
            ):
                self.problems.append("lien externe sans rel")


def problems(html: str) -> list[str]:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker.problems


def _resolver(label: str) -> tuple[str, bool]:
    return f"/rex/{label[:20]}", False


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_xss_corpus_is_harmless_in_every_construct(construct: str) -> None:
    assert len(PAYLOADS) > 1100  # 1,263 lines, blank ones excluded
    template = CONSTRUCTS[construct]
    failures = []
    for payload in PAYLOADS:
        html = str(render_markdown(template.format(p=payload), resolve_wikilink=_resolver))
        found = problems(html)
        if found:
            failures.append((payload, found, html[:300]))
    assert not failures, failures[:5]


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        '<a href="vbscript:msgbox(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<svg onload=alert(1)><circle/></svg>",
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1));width:expression(alert(1))">x</div>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<<script>script>alert(1)<</script>/script>",
        '<a href="https://x.example" target="_blank" onclick="alert(1)">x</a>',
        "<form action=https://evil.example><input name=password></form>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "<base href=https://evil.example/>",
    ],
)
def test_classic_vectors(source: str) -> None:
    html = str(render_markdown(source))
    assert problems(html) == []
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<svg", "<math", "<style", "<form", "<meta", "<base"):
        assert tag not in lowered, (tag, html)  # escaped text (&lt;script) is harmless


def test_external_links_get_rel_and_internal_links_do_not() -> None:
    html = str(render_markdown("[a](https://x.example) [b](/rex/autre) [c](mailto:a@b.fr)"))
    assert 'href="https://x.example" rel="nofollow noopener"' in html
    assert '<a href="/rex/autre">b</a>' in html and 'href="mailto:a@b.fr"' in html


@pytest.mark.parametrize("depth", [10_000])
def test_pathological_nesting_does_not_crash(depth: int) -> None:
    for source in (
        ">" * depth + " fond",
        "- " * depth + "fond",  # each "- " opens a nested list: 10,000 levels in 20 KB
        "1. " * depth + "fond",
        "".join("  " * i + "- n\n" for i in range(300)),  # indented levels (quadratic size)
        "[" * depth + "x" + "]" * depth,
        "*" * depth + "x",
    ):
        html = str(render_markdown(source))
        assert problems(html) == []


def test_large_document_renders() -> None:
    body = ("## Section\n\n" + "Un paragraphe de texte assez long. " * 40 + "\n\n") * 140
    assert len(body.encode()) > 190_000
    html = str(render_markdown(body))
    assert html.count("<h2") == 140


def test_control_characters_and_replaced_bytes() -> None:
    assert clean_text("a\x00b\x07c\r\nd\x1be") == "abc\nde"
    text = b"caf\xe9 \xff\xfe ok".decode("utf-8", errors="replace")
    html = str(render_markdown(text))
    assert "ok" in html and "\ufffd" in html


def test_supported_markdown() -> None:
    source = (
        "[TOC]\n\n## Démarche\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n"
        "Note[^n].\n\n[^n]: Source.\n\n3. trois\n4. quatre\n\n[[REX existant]] et [[Absent]]"
    )

    def resolve(label: str) -> tuple[str, bool]:
        return (f"/rex/{label}", label == "REX existant")

    html = str(render_markdown(source, resolve_wikilink=resolve))
    assert '<div class="toc">' in html and '<h2 id="demarche">Démarche</h2>' in html
    assert "<table>" in html and '<code class="language-python">' in html
    assert 'class="footnote"' in html and '<ol start="3">' in html
    assert '<a class="wikilink" href="/rex/REX existant">REX existant</a>' in html
    assert 'class="wikilink wikilink-missing"' in html and "Créer « Absent »" in html
