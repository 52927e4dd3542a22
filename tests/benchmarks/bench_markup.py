"""Adversarial Markdown: how long rendering and sanitising takes for the worst inputs a user can
save or preview. Each case is grown (binary search) to the largest text that every structural
limit of ``commons/markup/limits.py`` still accepts, up to 256 KiB (the largest text rendered
with its layout), so what is timed is the worst *accepted* input. Prints a table and the worst
case; asserts nothing about time (``tests/test_markup_limits.py`` counts the structural limits
instead). Times are CPU times of the process (``time.process_time``, the least of three runs), so
that other processes on a shared machine weigh less.

    python -m tests.benchmarks.bench_markup          # with the limits
    python -m tests.benchmarks.bench_markup --raw    # the same texts, no limits (slow)
    python -m tests.benchmarks.bench_markup liste notes   # only the cases naming these words
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable

SIZE = 256 * 1024  # MAX_RENDER_BYTES: the largest text rendered with its layout
PROSE = (
    "La commune a d'abord réuni les services techniques, les élus de quartier et deux "
    "associations d'habitants pour dresser l'état des lieux : les horaires d'ouverture ne "
    "correspondaient plus aux usages, les demandes arrivaient par quatre canaux différents et "
    "personne ne savait dire combien de temps prenait une réponse. "
)
#: Plain paragraphs that pad a hostile text to the size limit (about 800 characters each).
FILLER = PROSE * 3 + "\n\n"


def rich_rex(size: int = 196 * 1024) -> str:
    """A realistic rich REX of about ``size`` bytes: sections with a heading, prose paragraphs
    with bold, links and notes, a list, and now and then a table, a quote or some code."""
    parts, n = ["[TOC]\n\n# Retour d'expérience : accueil unique des habitants\n\n"], 0
    while sum(map(len, parts)) < size - 3_000:
        n += 1
        parts.append(
            f"## Étape {n} : ce que nous avons fait\n\n{PROSE}Le **calendrier** a été tenu et "
            f"le [compte rendu](https://exemple.fr/cr/{n}) est en ligne[^e{n}].\n\n"
            f"{PROSE * 2}\n\n- un référent par service ;\n- une boîte unique ;\n"
            f"- un délai affiché ;\n- un bilan à six mois.\n\n{PROSE}Voir [[Guichet unique]]."
            f"\n\n[^e{n}]: Délibération du conseil municipal n° {n}.\n\n"
        )
        if n % 3 == 0:
            rows = "".join(f"| {m} | {m * 12} h | {m * 3} % | _à suivre_ |\n" for m in range(8))
            parts.append(f"| mois | durée | écart | suite |\n|---|--:|--:|---|\n{rows}\n")
        if n % 4 == 0:
            parts.append(f"> {PROSE}\n\n```python\ndelai = {n} * 24  # heures\n```\n\n")
    return "".join(parts)


def wrapped(body: str, line: int = 9_000, block: int = 19_000) -> str:
    """``body`` cut into lines and blocks under the line and block limits."""
    lines = [body[i : i + line] for i in range(0, len(body), line)] or [""]
    per_block = max(1, block // line)
    blocks = ["\n".join(lines[i : i + per_block]) for i in range(0, len(lines), per_block)]
    return "\n\n".join(blocks)


def padded(text: str) -> str:
    """``text`` followed by plain paragraphs up to the size limit."""
    room = SIZE - len(text.encode())
    return text + "\n\n" + FILLER * max(0, room // len(FILLER.encode()) - 1)


def repeat(unit: str) -> Callable[[int], str]:
    return lambda n: padded(wrapped(unit * n))


def repeat_blocks(unit: str) -> Callable[[int], str]:
    """``n`` paragraphs made of ``unit`` (blocks, the costliest element per byte)."""
    return lambda n: padded((unit + "\n\n") * n)


def lines_of(make_line: Callable[[int], str], block: int = 19_000) -> Callable[[int], str]:
    """``n`` lines, blank lines added so that no block passes ``block`` characters."""

    def make(n: int) -> str:
        out, size = [], 0
        for i in range(n):
            line = make_line(i)
            if size + len(line) > block:
                out.append("")
                size = 0
            out.append(line)
            size += len(line) + 1
        return padded("\n".join(out))

    return make


CASES: dict[str, Callable[[int], str]] = {
    "listes imbriquées": lines_of(lambda i: "    " * (i % 16) + "- a"),
    "listes numérotées imbriquées": lines_of(lambda i: "    " * (i % 16) + "1. a"),
    "liste longue": lines_of(lambda i: "- élément de liste assez ordinaire"),
    "citations imbriquées": lines_of(lambda i: ">" * 16 + " a"),
    "citations en escalier": lines_of(lambda i: "> " * (i % 16) + "a"),
    "div imbriqués": lines_of(lambda i: "<div>" if i % 32 < 16 else "</div>"),
    "div ouverts": lines_of(lambda i: "<div>"),
    "balises ouvertes": repeat("<span>a "),
    "emphase": repeat("*a "),
    "emphase double": repeat("**a "),
    "soulignés": repeat("_"),
    "astérisques": repeat("*"),
    "emphase imbriquée": repeat("***a_b_"),
    "ligne longue": repeat("mot "),
    "crochets ouvrants": repeat("["),
    "wikiliens ouverts": repeat("[["),
    "wikiliens": repeat("[[Page]] "),
    "liens": repeat("[lien](https://exemple.fr/a) "),
    "liens ouverts": repeat("[a]("),
    "parenthèses": repeat("]("),
    "images": repeat("![i](/a.png) "),
    "références": lambda n: padded(
        "".join(f"[r{i}]: https://e.fr/{i}\n" for i in range(n // 2))
        + "\n"
        + wrapped("[x][r1] " * (n // 2))
    ),
    "notes": lambda n: padded(
        wrapped("".join(f"t[^{i}] " for i in range(n // 2)))
        + "\n\n"
        + "".join(f"[^{i}]: note {i}\n" for i in range(n // 2))
    ),
    "même note répétée": lambda n: padded(wrapped("[^1] " * n) + "\n\n[^1]: note\n"),
    "tableau large": lambda n: padded(
        "|" + "a|" * n + "\n|" + "-|" * n + "\n" + ("|" + "b|" * n + "\n") * 3
    ),
    "tableau long": lines_of(lambda i: "|a|b|c|d|" if i else "|a|b|c|d|\n|-|-|-|-|", 10**9),
    "titres": lines_of(lambda i: "# titre"),
    "titres et sommaire": lambda n: padded("[TOC]\n\n" + "## titre\n" * n),
    "soulignés setext": lines_of(lambda i: "a\n=" if i % 2 else "a\n-"),
    "entités": repeat("&lt;"),
    "chevrons": repeat("<"),
    "esperluettes": repeat("&"),
    "accents graves": repeat("`a"),
    "blocs de code": lines_of(lambda i: "```\na\n```"),
    "barres obliques inverses": repeat("\\*"),
    "html brut en ligne": repeat("<b>a</b>"),
    "commentaires html": repeat("<!--"),
    "règles horizontales": lines_of(lambda i: "a\n***"),
    "mélange": lines_of(lambda i: "> - **[a](b)** _c_ `d` [^1] <i>e</i> [[W]]"),
    "paragraphes courts": repeat_blocks("a"),
    "éléments variés": lines_of(
        lambda i: ["# t", "- a", "|a|b|", "<br>", "a[^1] **b**", "```", "[^1]: n", "\n"][i % 8]
    ),
    # Not hostile: a realistic rich REX of 200 KB (prose, headings, lists, tables, notes).
    "REX riche réaliste": lambda n: rich_rex(),
    # Not hostile either, but dense: one heading, table, list, code and note every 216 bytes.
    "document dense (sections)": lambda n: (
        "[TOC]\n\n"
        + "".join(
            f"## Section {i}\n\nUn paragraphe **gras**, avec [un lien](https://ex.example/{i}), du "
            f"`code` et une note[^n{i}].\n\n- point un\n- point deux\n\n| a | b |\n|---|---|\n"
            f"| {i} | x |\n\n```python\nprint({i})\n```\n\n[^n{i}]: Source {i}.\n\n"
            for i in range(min(n, 950))
        )
    ),
}


def largest_accepted(make: Callable[[int], str]) -> str:
    """The text of the largest ``n`` that the limits accept (binary search); a fixed text (a
    case that ignores ``n``) is returned as it is."""
    from commons.markup import structure_problem

    if make(1) == make(2):
        return make(1)
    lo, hi = 0, 1
    while hi < SIZE and structure_problem(make(hi)) is None:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if structure_problem(make(mid)) is None:
            lo = mid
        else:
            hi = mid
    return make(lo)


def cpu(render: Callable[[str], object], text: str, repeat: int) -> float:
    """The least CPU time (``time.process_time``) of ``repeat`` renderings of ``text``: CPU time
    rather than wall time, and the least of several, so that other processes weigh less."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        render(text)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    from commons import markup

    raw = "--raw" in sys.argv
    repeat = 1 if raw else 3
    render = markup.render_unbounded if raw else markup.render_markdown
    worst = ("", 0.0)
    print(f"{'cas':30} {'Ko':>5} {'éléments':>8} {'CPU s':>7}  mise en page")
    only = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    for name, make in CASES.items():
        if only and not any(word in name for word in only):
            continue
        text = largest_accepted(make)
        elapsed = cpu(render, text, repeat)
        kept = "gardée" if markup.structure_problem(text) is None else "abandonnée"
        elements = markup.measure(markup.clean_text(text))["elements"]
        print(f"{name:30} {len(text.encode()) // 1024:5} {elements:8} {elapsed:7.3f}  {kept}")
        if elapsed > worst[1]:
            worst = (name, elapsed)
    print(f"\npire cas : {worst[0]} en {worst[1]:.3f} s de CPU (le moindre de {repeat} essais)")
    load = os.getloadavg()[0]
    print(
        f"machine : {platform.machine()}, {os.cpu_count()} cœurs, charge {load:.1f}, "
        f"Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
