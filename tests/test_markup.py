"""The one Markdown pipeline renders hostile input harmless: the public XSS corpora of
``tests/data/xss`` (PayloadsAllTheThings and the HTML5 Security Cheatsheet, see its README and
licence notices) as raw source and inside Markdown constructs, the classic vectors, pathological
nesting and sizes, NUL bytes and invalid UTF-8; and the supported Markdown still renders.

"Harmless" is checked on the output as a browser would read it: parsed by html5lib (the copy
bleach ships), every element and attribute in the allowlist, no event handler or ``style``, no
URL with a scheme other than http, https or mailto, and ``rel`` on links that leave the site."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bleach._vendor import html5lib

from commons.markup import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    LIMITS,
    MAX_SOURCE_BYTES,
    clean_text,
    measure,
    render_markdown,
    structure_problem,
)

from .benchmarks.bench_markup import rich_rex

XSS_DIR = Path(__file__).parent / "data" / "xss"
CORPORA = sorted(XSS_DIR.glob("*.txt"))
FORBIDDEN = {"script", "svg", "math", "iframe", "object", "embed", "form", "base", "meta"}
FORBIDDEN |= {"link", "style"}
CLASSES = re.compile(r"wikilink|wikilink-missing|toc|footnote|footnote-ref|footnote-backref")


def payloads(path: Path) -> list[str]:
    """Every non-empty line (lines, not ``splitlines``: one payload holds a form feed)."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


CONSTRUCTS: dict[str, Callable[[str], str]] = {
    "source": lambda p: p,
    "lien": lambda p: f"[x]({p})",
    "lien-chevrons": lambda p: f"[x](<{p}>)",
    "image": lambda p: f"![x]({p})",
    "reference": lambda p: f"[x][r]\n\n[r]: {p}",
    "image-reference": lambda p: f"![x][r]\n\n[r]: {p}",
    "tableau": lambda p: f"| a | b |\n|---|---|\n| {p} | z |",
    "note": lambda p: f"Texte[^1].\n\n[^1]: {p}",
    "texte-et-titre": lambda p: f'[{p}](https://ok.example "{p}")',
    "wikilien": lambda p: f"[[{p}]]",
    "liste-citation": lambda p: f"- {p}\n\n  > {p}",
}


def resolver(label: str) -> tuple[str, bool]:
    return f"/rex/{label}", False


_parser = html5lib.HTMLParser(namespaceHTMLElements=False)


def _scheme(url: str) -> str | None:
    url = re.sub(r"[\x00-\x20\x7f]", "", url).lower()  # browsers ignore tabs and newlines
    match = re.match(r"([a-z][a-z0-9+.\-]*):", url)
    return match.group(1) if match else None


def _generated_class(word: str) -> bool:
    return bool(CLASSES.fullmatch(word) or re.fullmatch(r"language-\S+", word))


def _leaves_site(href: str) -> bool:
    """As a browser reads it: outer blanks and controls trimmed, tabs and newlines dropped,
    ``\\`` as ``/``."""
    url = re.sub(r"[\t\n\r]", "", href.strip("".join(map(chr, range(33)))))
    return url.replace("\\", "/").lower().startswith(("http:", "https:", "//"))


def problems(html: str) -> list[str]:
    """What makes ``html`` unsafe once a browser parses it (empty when harmless)."""
    found = []
    fragment = _parser.parseFragment(html, container="div")
    for element in fragment.iter():
        tag = element.tag
        if element is fragment:
            continue
        if tag is ElementTree.Comment or not isinstance(tag, str):
            found.append("commentaire ou nœud inattendu")
            continue
        if tag in FORBIDDEN or tag not in ALLOWED_TAGS:
            found.append(f"balise <{tag}>")
        for name, value in element.attrib.items():  # values come entity-decoded
            if (
                name.startswith("on")
                or name == "style"
                or name not in ALLOWED_ATTRIBUTES.get(tag, [])
            ):
                found.append(f"attribut {name} sur <{tag}>")
            if name in ("href", "src") and _scheme(value) not in {None, *ALLOWED_PROTOCOLS}:
                found.append(f"schéma {_scheme(value)} dans {name}")
            if name == "class" and not all(map(_generated_class, value.split())):
                found.append(f"classe {value!r}")
        href = element.get("href", "")
        if tag == "a" and _leaves_site(href) and element.get("rel") != "nofollow noopener":
            found.append(f"lien externe sans rel : {href!r}")
    return found


def render(source: str) -> str:
    return str(render_markdown(source, resolve_wikilink=resolver))


# --- Public corpora ------------------------------------------------------------------------


def test_corpora_are_complete_with_their_licences() -> None:
    assert {path.name for path in CORPORA} >= {"h5sc-vectors.txt", "pat-XSS_Polyglots.txt"}
    assert len(CORPORA) == 8
    assert sum(len(payloads(path)) for path in CORPORA) == 1151  # 1,263 lines, 112 blank
    for licence in ("LICENSE-PayloadsAllTheThings", "LICENSE-H5SC", "README.md"):
        assert (XSS_DIR / licence).stat().st_size > 500


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.stem)
def test_corpus_payloads_are_harmless(corpus: Path, construct: str) -> None:
    wrap = CONSTRUCTS[construct]
    failures = []
    for payload in payloads(corpus):
        html = render(wrap(payload))
        if found := problems(html):
            failures.append((payload, found, html[:300]))
    assert not failures, failures[:3]


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.stem)
def test_corpus_files_are_harmless_as_whole_documents(corpus: Path) -> None:
    """Multi-line H5SC vectors, and payloads meeting each other's open tags and brackets."""
    html = render(corpus.read_text(encoding="utf-8"))
    assert html and problems(html) == []


# --- Classic vectors -------------------------------------------------------------------------

DANGEROUS_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;vascript&#x3A;alert(1)",
    " \x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
]


@pytest.mark.parametrize("url", DANGEROUS_URLS)
@pytest.mark.parametrize(
    "template",
    [
        "[x]({u})",
        "[x](<{u}>)",
        "![x]({u})",
        "[x][r]\n\n[r]: {u}",
        '<a href="{u}">x</a>',
        '<img src="{u}">',
    ],
)
def test_dangerous_urls_are_removed(template: str, url: str) -> None:
    html = render(template.format(u=url))
    assert problems(html) == [], html
    fragment = _parser.parseFragment(html, container="div")
    for element in fragment.iter():
        for name in ("href", "src"):
            value = re.sub(r"[\x00-\x20]", "", element.get(name, "")).lower()
            assert not value.startswith(("javascript", "vbscript", "data")), html


@pytest.mark.parametrize(
    ("source", "expected", "absent"),
    [
        ("<img src=x onerror=alert(1)>", '<img src="x">', "onerror"),
        ("<script>alert(1)</script>", "alert(1)", "<script"),
        ("<<script>script>alert(1)<</script>/script>", "alert(1)", "<script"),
        ('<a href="https://x.example" target="_blank">x</a>', 'rel="nofollow noopener"', "target"),
        ('<a href="/rex/a" onclick="alert(1)" rel="opener">x</a>', '<a href="/rex/a">x</a>', "rel"),
        ("<svg onload=alert(1)><circle/></svg>", "", "<svg"),
        ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "", "<math"),
        ("<iframe src=https://evil.example></iframe>", "", "<iframe"),
        ('<div style="width:expression(alert(1))">x</div>', "<div>x</div>", "style"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "<p>x</p>", "javascript"),
        ("<form action=https://evil.example><input name=password></form>", "", "<input"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "", "<meta"),
        ("<base href=https://evil.example/>", "", "<base"),
        ("<object data=x.swf></object><embed src=x.swf>", "", "<embed"),
        ("<img src=x onerror=alert(1)//", "&lt;img src=x", "<img"),  # left as text
        ('<a href="x" <img src=x onerror=alert(1)>', '<img src="x">', "onerror="),
        ("<!--><img src=x onerror=alert(1)>-->", '<img src="x">', "onerror="),
        ('<div class="flash flash-success">Mot de passe expiré</div>', "<div>Mot de", "flash"),
        ('<span class="visually-hidden">x</span>', "<span>x</span>", "visually"),
    ],
)
def test_classic_vectors(source: str, expected: str, absent: str) -> None:
    """``absent`` is looked for in the markup, not in text, where escaped it is harmless."""
    html = render(source)
    assert problems(html) == [], html
    assert expected in html
    assert absent not in re.sub(r"&lt;[^<]*", "", html).lower()


@pytest.mark.parametrize(
    "href",
    [
        "https://evil.example",
        "HTTPS://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:\\\\evil.example",
        "&#104;ttps://evil.example",
        "&#x2F;&#x2F;evil.example",
        "/&#9;/evil.example",
        " https://evil.example",
    ],
)
def test_every_way_off_site_gets_rel(href: str) -> None:
    html = render(f'<a href="{href}">x</a> [y]({href})')
    assert problems(html) == [], html
    assert html.count('rel="nofollow noopener"') >= 1


def test_internal_links_have_no_rel() -> None:
    html = render("[a](/rex/autre) [b](#section) [c](mailto:a@b.fr) [d](page.html)")
    assert "rel=" not in html and problems(html) == []
    html = render("[a](https://x.example) [[Autre]]")
    assert '<a href="https://x.example" rel="nofollow noopener">a</a>' in html
    assert 'href="/rex/Autre"' in html and html.count("rel=") == 1


def test_generated_classes_survive() -> None:
    html = render("```python\nx = 1\n```\n\n[TOC]\n\n## T\n\nNote[^1].\n\n[^1]: Source.")
    assert '<code class="language-python">' in html and '<div class="toc">' in html
    assert 'class="footnote-ref"' in html and 'class="footnote-backref"' in html
    assert problems(html) == []


# --- Pathological nesting and sizes ---------------------------------------------------------


def timed(source: str) -> tuple[str, None]:
    """Render (named for history: tests assert behaviour, never wall-clock time; a regression
    to super-linear cost shows up as a CI run that does not finish)."""
    return render(source), None


@pytest.mark.parametrize(
    "source",
    [
        ">" * 10_000 + " fond",
        "> " * 10_000 + "fond",
        "- " * 10_000 + "fond",
        "1. " * 10_000 + "fond",
        "> - " * 5_000 + "fond",
        "".join("    " * i + "- niveau\n" for i in range(300)) + "\nfond",  # 180 KB
        "\n".join(">" * i + " ligne" for i in range(1, 630)) + "\nfond",
        "*" * 20_000 + "fond" + "*" * 20_000,  # nests past the recursion limit
        "<div>" * 10_000 + "fond" + "</div>" * 10_000,
        "<b><i>" * 10_000 + "fond",
    ],
    ids=lambda source: repr(source[:12]),
)
def test_deep_nesting_renders_quickly_and_keeps_the_text(source: str) -> None:
    html, _ = timed(source)
    assert "fond" in html and problems(html) == []


PATHOLOGICAL = {
    "crochets": "[" * 100_000 + "fond",
    "crochets-fermés": "[" * 50_000 + "fond" + "]" * 50_000,
    "wikiliens": "[[" * 50_000 + "fond" + "]]" * 50_000,
    "parenthèses": "[x](" * 50_000 + "fond",
    "balises-ouvertes": "<a" * 100_000 + "fond",
    "chevrons": "<" * 200_000 + " fond",
    "barres-obliques": "\\" * 200_000 + "fond",
    "titres-soulignés": "a\n=\n" * 50_000 + "fond",
    "clôtures": "~~~\n" * 50_000 + "fond",
    "notes-répétées": "[^1]\n\n[^1]: " + "[^1] " * 40_000 + "fond",
    "notes": "".join(f"[^{i}]" for i in range(8000))
    + "\n\n"
    + "\n".join(f"[^{i}]: n" for i in range(8000))
    + "\n\nfond",
    "sommaires": "[TOC]\n\n" * 25_000 + "fond",
    "titres-et-sommaire": "[TOC]\n\n" + "## h\n\n" * 40_000 + "fond",
    "lignes-de-listes": "\n".join("- " * 300 + "x" for _ in range(333)) + "\n\nfond",
    "tableau": "|a|b|\n|-|-|\n" + "|x|y|\n" * 33_000 + "\nfond",
    "liste-aérée": "- a\n\n" * 33_000 + "fond",
    "liens": "[a](b) " * 30_000 + "fond",
    "wikiliens-valides": "[[a]] " * 33_000 + "fond",
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_documents_render_quickly(name: str) -> None:
    """About 200 KB each, built on the parsers' known super-linear paths."""
    html, _ = timed(PATHOLOGICAL[name])
    assert "fond" in html and problems(html) == []


def test_a_realistic_200_kb_rex_renders_with_its_layout() -> None:
    body = rich_rex()
    assert 195_000 < len(body.encode()) <= MAX_SOURCE_BYTES
    html, _ = timed(body)
    sections = body.count("\n## ")
    assert sections > 50 and html.count("<h2") == sections and '<div class="toc">' in html
    assert html.count("<table>") == sections // 3 and html.count('<li id="fn:e') == sections
    assert html.count('<code class="language-python">') == sections // 4
    assert problems(html) == []


def test_a_dense_200_kb_document_passes_the_element_limit() -> None:
    """A heading, a table, a list, code and a note every 216 bytes: about 28,000 elements
    (2.2 s of CPU to render on this machine): past the element limit, shown as plain text."""
    section = (
        "## Section {n}\n\nUn paragraphe **gras**, avec [un lien](https://ex.example/{n}), du "
        "`code` et une note[^n{n}].\n\n- point un\n- point deux\n\n| a | b |\n|---|---|\n"
        "| {n} | x |\n\n```python\nprint({n})\n```\n\n[^n{n}]: Source {n}.\n\n"
    )
    body = "[TOC]\n\n" + "".join(section.format(n=n) for n in range(950))
    assert len(body.encode()) > 200_000
    assert measure(body)["elements"] > 25 * 950 > 3 * LIMITS["elements"]
    assert (structure_problem(body) or "").startswith("Mise en page ignorée : ")
    html, _ = timed(body)
    assert "<h2" not in html and "Section 949" in html and problems(html) == []


# --- Bytes ---------------------------------------------------------------------------------


def test_nul_and_other_control_characters_are_removed() -> None:
    assert clean_text("a\x00b\x07c\r\nd\x1be\rf\x7f") == "abc\nde\nf"
    html = render("<scr\x00ipt>alert(1)</script> ja\x00vascript [x](java\x00script:alert(1))")
    assert problems(html) == []
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", render("".join(map(chr, range(32)))))


def test_text_from_invalid_utf8_renders() -> None:
    raw = b"caf\xe9 \xff\xfe \xc3\x28 \xed\xa0\x80 <scr\xffipt> ok"
    html = render(raw.decode("utf-8", errors="replace"))
    assert "ok" in html and "\ufffd" in html and problems(html) == []
    html = render(raw.decode("utf-8", errors="surrogateescape"))  # lone surrogates
    assert "ok" in html and html.encode("utf-8")


# --- The supported Markdown -------------------------------------------------------------------


def test_supported_markdown_renders() -> None:
    source = (
        "[TOC]\n\n## Démarche\n\n### Étapes\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "```python\nx = 1 < 2\n```\n\nNote[^n].\n\n[^n]: Source.\n\n"
        "3. trois\n4. quatre\n\n* puce\n\n[[REX existant]] et [[Absent]]"
    )

    def resolve(label: str) -> tuple[str, bool]:
        return f"/rex/{label}", label == "REX existant"

    html = str(render_markdown(source, resolve_wikilink=resolve))
    assert '<div class="toc">' in html and '<h2 id="demarche">Démarche</h2>' in html
    assert '<a href="#demarche">Démarche</a>' in html and '<h3 id="etapes">' in html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert '<code class="language-python">x = 1 &lt; 2\n</code>' in html
    assert '<sup id="fnref:n"><a class="footnote-ref" href="#fn:n">1</a></sup>' in html
    assert '<div class="footnote">' in html and '<li id="fn:n">' in html
    assert '<ol start="3">\n<li>trois</li>' in html and "<ul>\n<li>puce</li>" in html
    assert '<a class="wikilink" href="/rex/REX existant">REX existant</a>' in html
    assert (
        '<a class="wikilink wikilink-missing" href="/rex/Absent" title="Créer « Absent »">'
        "Absent</a>"
    ) in html
    assert problems(html) == []


def test_wikilinks_without_resolver_are_plain_labels() -> None:
    assert str(render_markdown("Voir [[Autre REX]].")) == "<p>Voir Autre REX.</p>"


def test_wikilink_labels_are_escaped_and_hold_no_placeholder() -> None:
    html = render('[[R&D "labo"]] [[`code`]] [[<img src=x onerror=alert(1)>]]')
    assert (
        '<a class="wikilink wikilink-missing" href="/rex/R&amp;D &quot;labo&quot;" '
        'title="Créer « R&amp;D &quot;labo&quot; »">R&amp;D "labo"</a>'
    ) in html
    assert "[[<code>code</code>]]" in html and '[[<img src="x">]]' in html  # not wikilinks
    assert problems(html) == [] and "klzzwxh" not in html
