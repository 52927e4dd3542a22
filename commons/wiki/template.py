"""The REX template (``content/modeles/rex.md``): its section headings prefill a new REX, and each
section's guidance (« Ce que vous cherchiez à obtenir… ») is shown beside the editor as a hint,
never as text. Guidance left unchanged in a text and the template's sections left empty are
removed when the editor saves (:func:`without_guidance`), so neither is ever stored, shown or
exported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "content" / "modeles" / "rex.md"
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")
_END = re.compile(r"^[ \t]{0,3}#{1,2}([ \t]|$)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class Section:
    """One section of the template: its heading and the questions that guide the writer."""

    heading: str
    guidance: str


@cache
def sections() -> tuple[Section, ...]:
    """The template's sections in order (an HTML comment in the file is a note for its editors,
    not guidance)."""
    found: list[tuple[str, list[str]]] = []
    for line in _COMMENT.sub("", PATH.read_text(encoding="utf-8")).splitlines():
        if match := _HEADING.match(line):
            found.append((match.group(1), []))
        elif line.strip() and found:
            found[-1][1].append(line.strip())
    return tuple(Section(heading, " ".join(words)) for heading, words in found)


def body() -> str:
    """The text a new REX starts from: the template's headings, each followed by room to write."""
    return "".join(f"## {s.heading}\n\n\n" for s in sections()).rstrip("\n") + "\n\n"


def _words(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """``(start, end)`` line ranges of the blocks of ``lines`` separated by blank lines."""
    blocks, start = [], None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            blocks.append((start, i))
            start = None
    return blocks


def _drop_guidance(lines: list[str]) -> list[str]:
    """Drop each paragraph equal to a section's guidance, and the blank line after it."""
    guidance = {_words(s.guidance) for s in sections() if s.guidance}
    dropped: set[int] = set()
    for start, end in _paragraphs(lines):
        if _words(" ".join(lines[start:end])) in guidance:
            dropped.update(range(start, end + 1))  # ``end`` is the blank line after it
    return [line for i, line in enumerate(lines) if i not in dropped]


def _drop_empty_sections(lines: list[str]) -> list[str]:
    """Drop the template's headings followed by nothing but blank lines before the next heading
    of level 1 or 2 (or the end), with those blank lines."""
    headings = {s.heading for s in sections()}
    kept: list[str] = []
    i = 0
    while i < len(lines):
        match = _HEADING.match(lines[i])
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if match and match.group(1) in headings and (j == len(lines) or _END.match(lines[j])):
            i = j
            continue
        kept.append(lines[i])
        i += 1
    return kept


def without_guidance(text: str | None) -> str | None:
    """``text`` without the template's guidance left as the template wrote it (a paragraph equal
    to a section's guidance, spaces aside) and without the template's headings whose section is
    empty (a heading directly followed by a sub-heading is not empty). The rest is kept as it
    was typed; ``None`` stays ``None`` (a form field without data)."""
    if not text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    cleaned = _drop_empty_sections(_drop_guidance(lines))
    if cleaned == lines:
        return text
    return "\n".join(cleaned).strip("\n") + "\n" if any(line.strip() for line in cleaned) else ""
