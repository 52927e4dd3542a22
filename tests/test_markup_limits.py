"""Bounded rendering (issue 15): structure is counted before any parser runs; a text past a
limit is refused by the REX editor with a French reason (the text shown again) and rendered as
escaped paragraphs (words kept, layout lost) when it comes from elsewhere. Counts, not times:
each limit is reached exactly (layout kept) and passed by one (layout dropped), and the
elements counted bound the elements built. ``tests/benchmarks/bench_markup.py`` times the worst
accepted inputs."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from commons import db
from commons.markup import LIMITS, MAX_RENDER_BYTES, measure, render_markdown, structure_problem
from commons.wiki.models import Rex
from commons.wiki.services import RexError, check_body

from .conftest import login


def grouped(unit: Callable[[int], str], per_block: int) -> Callable[[int], str]:
    """``n`` units, ``per_block`` to a paragraph, blank lines between paragraphs."""
    return lambda n: "\n\n".join(
        "".join(unit(i) for i in range(start, min(n, start + per_block)))
        for start in range(0, n, per_block)
    )


def lines(unit: str, per_line: int = 500) -> Callable[[int], str]:
    """``n`` units in one paragraph, cut into lines."""
    return lambda n: "\n".join(unit * min(per_line, n - start) for start in range(0, n, per_line))


BUILDERS: dict[str, Callable[[int], str]] = {
    "size": lambda n: ("a" * 98 + "\n\n") * (n // 100) + "a" * (n % 100),
    "line": lambda n: "a" * n,
    "block": lambda n: ("a" * 99 + "\n") * (n // 100) + "a" * (n % 100),
    "nesting": lambda n: ">" * n + " a",
    "list_items": grouped(lambda i: "- a\n", 100),
    "tags": grouped(lambda i: "<br>", 100),
    "markup": lines("!"),
    "angles": lines("&"),
    "links": grouped(lambda i: "[[a]] ", 100),
    "brackets": lines("["),
    "footnotes": grouped(lambda i: f"a[^{i}] ", 100),
    "footnote_uses": grouped(lambda i: "a[^x] ", 100),
    "table_cells": lambda n: "\n".join("|" + "a|" * min(100, n - s) for s in range(0, n, 100)),
    "headings": grouped(lambda i: "# h\n", 1),
    "tocs": grouped(lambda i: "[TOC]", 1),
    "fences": grouped(lambda i: "```", 1),
    "elements": grouped(lambda i: "a", 1),
}


def test_every_limit_has_a_builder() -> None:
    assert set(BUILDERS) == {"size", *LIMITS}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_limit_is_counted_exactly(name: str) -> None:
    limit = MAX_RENDER_BYTES if name == "size" else LIMITS[name]
    at, past = BUILDERS[name](limit), BUILDERS[name](limit + 1)
    assert measure(at)[name] == limit
    assert measure(past)[name] == limit + 1
    assert structure_problem(at) is None, structure_problem(at)
    problem = structure_problem(past)
    assert problem is not None and problem.startswith("Mise en page ignorée : ")
    assert f"{limit:,}".replace(",", "\u202f") in problem


def test_nesting_counts_lists_quotes_and_tags() -> None:
    assert measure("    " * 15 + "- a")["nesting"] == 16
    assert measure("> " * 5 + "1. a")["nesting"] == 6
    assert measure("<div>" * 16 + "a" + "</div>" * 16)["nesting"] == 16
    assert measure("<div>a</div>" * 100)["nesting"] == 1
    assert measure("<br><img src=x><hr/>" * 50)["nesting"] == 0


def test_past_a_limit_the_words_stay_and_no_markup_is_built() -> None:
    source = "<div>" * 40 + "**fond** [lien](https://exemple.fr) <script>x</script>"
    html = str(render_markdown(source))
    assert "fond" in html and "<strong>" not in html and "<a " not in html
    assert "&lt;script&gt;" in html and "<div>" not in html


def test_ordinary_documents_keep_their_layout() -> None:
    html = str(
        render_markdown(
            "# Titre\n\n> - **a**\n> - [b](https://e.fr)\n\n| x | y |\n|-|-|\n| 1 | 2 |\n"
        )
    )
    assert "<h1" in html and "<blockquote>" in html and "<strong>a</strong>" in html
    assert "<table>" in html


def test_the_preview_tells_why_the_layout_is_dropped(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    body = "> " * 20 + "**fond**"
    response = client.post("/rex/nouveau", data={"title": "T", "body": body, "apercu": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "l&#39;imbrication (listes, citations ou balises) dépasse 16 niveaux" in page


#: One unit of each construct that builds elements; ``n`` units in paragraphs of 100 at most.
CONSTRUCTS: dict[str, Callable[[int], str]] = {
    "paragraphes": lambda n: "a\n\n" * n,
    "liste": lambda n: "- a\n" * n,
    "liste imbriquée": lambda n: "\n".join("    " * (i % 16) + "- a" for i in range(n)),
    "citations": lambda n: "".join(
        "> " * (i % 16) + "a\n" + "\n" * (i % 16 == 15) for i in range(n)
    ),
    "tableau": lambda n: "|a|b|c|\n|-|-|-|\n" + "|a|b|c|\n" * n,
    "notes": lambda n: "".join(f"a[^{i}]\n\n[^{i}]: n\n\n" for i in range(n)),
    "titres et sommaire": lambda n: "[TOC]\n\n" + "## t\n" * n,
    "emphase": grouped(lambda i: "*a* **b** `c` ", 100),
    "liens": grouped(lambda i: "[a](/b) ![i](/i.png) [[W]] ", 100),
    "html": grouped(lambda i: "<b>a</b><br>", 40),
    "code": lambda n: "```\na\n```\n\n" * n,
    "mélange": lambda n: "- **a** [b](/c)\n\n|x|y|\n|-|-|\n|1|2|\n\n> q\n\n" * n,
}


@pytest.mark.parametrize("name", list(CONSTRUCTS))
def test_the_count_bounds_the_elements_built(name: str) -> None:
    """What is counted before parsing is what the parsers build (and the sanitiser walks): for
    every construct, the HTML holds no more start tags than ``elements`` counted, give or take
    the footnotes' and contents' own wrappers."""
    text = CONSTRUCTS[name](300)
    counted = measure(text)["elements"]
    assert 300 <= counted <= LIMITS["elements"] and structure_problem(text) is None
    html = str(render_markdown(text))
    assert len(re.findall(r"<[a-z]", html)) <= counted + 5


def test_the_element_limit_holds_for_a_mixture() -> None:
    """Each construct is under its own limit, together they pass the element limit."""
    text = CONSTRUCTS["mélange"](LIMITS["elements"] // 10)
    counted = measure(text)
    assert all(counted[name] <= LIMITS[name] for name in LIMITS if name != "elements")
    assert counted["elements"] > LIMITS["elements"]
    assert "éléments de mise en page" in (structure_problem(text) or "")
    assert "<strong>" not in str(render_markdown(text))


def _new_rex(client, body: str):  # type: ignore[no-untyped-def]
    data = {
        "title": "Mise en page lourde",
        "body": body,
        "space": "network",
        "licence": "CC-BY-4.0",
        "status": "termine",
        "comment": "Création",
    }
    return client.post("/rex/nouveau", data=data)


def test_saving_past_a_limit_is_refused_in_french_and_keeps_the_text(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    body = "Mon texte précieux.\n\n" + "a\n\n" * LIMITS["elements"]
    response = _new_rex(client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La mise en page du texte dépasse une limite" in page
    assert "plus de 6\u202f000 éléments de mise en page" in page
    assert "rien n&#39;a été enregistré" in page and "Mon texte précieux." in page
    assert db.session.scalar(select(func.count(Rex.id))) == 0
    assert _new_rex(client, "Mon texte précieux.\n\n" + "a\n\n" * 100).status_code == 302


def test_the_preview_warns_that_saving_will_be_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    body = "**Mon texte précieux.**\n\n" + "|a|b|\n" * 3_000
    data = {"title": "T", "body": body, "apercu": "1"}
    page = client.post("/rex/nouveau", data=data).get_data(as_text=True)
    assert "Aperçu sans mise en forme : les tableaux comptent plus de 5\u202f000 cellules" in page
    assert "ne pourra pas être enregistré ainsi" in page
    assert "**Mon texte précieux.**" in page and "<strong>Mon texte" not in page


def test_importing_past_a_limit_names_the_limit() -> None:
    with pytest.raises(RexError, match="plus de 1\u202f000 titres"):
        check_body("# t\n" * 1_001)
