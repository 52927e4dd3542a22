"""What a public copy may not carry: references to content the public cannot read.

A group REX — a facilitator's synthesis above all — links to the group's discussions and REX:
``[Titre](/forum/sujet/12)``, ``[[Titre d'un REX]]``, ``[texte](/rex/slug)``. Their titles are the
words of the members who wrote them, and the links would only lead public readers to a 404. So
the public copy is the text **without** them: a list item holding nothing but such a reference
is dropped, a reference inside a sentence becomes a neutral mention, and a heading left with
nothing under it goes too. The preview that contributors consent to, its digest and the
attestation all cover this stripped text, so everyone agrees to exactly what will be public.

A reference stays when its target is readable by anyone now (a public REX, not hidden), and a
wikilink to no REX at all stays (it is the author's own words). References are resolved as the
group sees them (:func:`commons.wiki.rendering.resolver_for`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from .. import db
from ..forum import policy as forum_policy
from ..forum.models import Thread
from ..wiki import policy as wiki_policy
from ..wiki import rendering
from ..wiki.models import Rex, Space

#: What replaces a reference inside a sentence.
NEUTRAL = "_(référence non publique retirée)_"

_WIKILINK = re.compile(r"\[\[([^\[\]\n|\x02\x03]{1,200})\]\]")
_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s*<?([^()\s<>]{1,2000})>?(?:\s+\"[^\"\n]*\")?\s*\)")
_THREAD = re.compile(r"/forum/sujet/(\d{1,12})(?:[/?#]\S*)?")
_REX = re.compile(r"/rex/([a-z0-9]+(?:-[a-z0-9]+)*)(?:[/?#]\S*)?")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+(.*?)\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s")


@dataclass
class Stripped:
    """The text fit for the public copy, and how many references were withheld."""

    source: str
    withheld: int = 0


def _public_rex(rex: Rex | None) -> bool:
    if rex is None or rex.hidden:
        return False
    return wiki_policy.can_view_rex(AnonymousUserMixin(), rex)


def _path(target: str) -> str | None:
    """The site path of a link target on this instance (relative, or under ``BASE_URL``)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    if base and target.startswith(base + "/"):
        return target[len(base) :]
    return target if target.startswith("/") and not target.startswith("//") else None


class _Resolver:
    """Decides, with memoised queries, whether a reference is private."""

    def __init__(self, group_id: int | None) -> None:
        self.wikilink = rendering.resolver_for(Space.GROUP.value, group_id)
        self.anonymous: Any = AnonymousUserMixin()

    def private_wikilink(self, label: str) -> bool:
        url, exists = self.wikilink(label.strip())
        return exists and not self.public_path(url)

    def private_link(self, target: str) -> bool:
        path = _path(target)
        return path is not None and not self.public_path(path)

    def public_path(self, path: str) -> bool:
        if match := _THREAD.fullmatch(path):
            thread = db.session.get(Thread, int(match.group(1)))
            if thread is None:
                return True  # no such discussion: nothing of anyone's is carried
            return forum_policy.can_view_thread(self.anonymous, thread) and not thread.hidden
        if match := _REX.fullmatch(path):
            rex = db.session.scalar(select(Rex).where(Rex.slug == match.group(1)))
            return rex is None or _public_rex(rex)
        return True


def strip_private(source: str, group_id: int | None) -> Stripped:
    """``source`` without its references to content that is not public (see module doc)."""
    resolver = _Resolver(group_id)
    withheld = 0

    def wikilink(m: re.Match[str]) -> str:
        nonlocal withheld
        if resolver.private_wikilink(m.group(1)):
            withheld += 1
            return NEUTRAL
        return m.group(0)

    def link(m: re.Match[str]) -> str:
        nonlocal withheld
        if resolver.private_link(m.group(2)):
            withheld += 1
            return NEUTRAL
        return m.group(0)

    lines, in_code = [], False
    for line in source.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        if in_code:
            lines.append(line)
            continue
        new = _LINK.sub(link, _WIKILINK.sub(wikilink, line))
        item = _ITEM.match(new)
        if new != line and item is not None and item.group(1) in ("", NEUTRAL):
            continue  # a list item that was nothing but a private reference
        lines.append(new)
    if not withheld:
        return Stripped(source)
    return Stripped("\n".join(_drop_empty_sections(lines)).strip("\n") + "\n", withheld)


def _drop_empty_sections(lines: list[str]) -> list[str]:
    """Remove headings with nothing (but blank lines) before the next heading of the same or a
    higher level, or the end of the text."""
    kept: list[str] = []
    for n, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading is None:
            kept.append(line)
            continue
        level, empty = len(heading.group(1)), True
        for after in lines[n + 1 :]:
            nested = _HEADING.match(after)
            if nested is not None and len(nested.group(1)) <= level:
                break
            if after.strip():
                empty = False
                break
        if not empty:
            kept.append(line)
    return kept
