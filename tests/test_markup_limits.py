"""Bounded rendering (issue 15): structure is counted before any parser runs, and a text past a
limit is rendered as escaped paragraphs (words kept, layout lost) with a French reason. Counts,
not times: each limit is reached exactly (layout kept) and passed by one (layout dropped).
``tests/benchmarks/bench_markup.py`` times the worst accepted inputs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from commons.markup import LIMITS, MAX_RENDER_BYTES, measure, render_markdown, structure_problem

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
