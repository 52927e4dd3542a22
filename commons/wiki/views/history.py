"""History, old versions, differences and restore.

Old revisions are shown from their stored HTML, never re-rendered; the history page runs a
fixed number of queries whatever the number of revisions (:func:`..timeline.history`).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import errors, params
from ...lifecycle import REFUSED, attempt, require
from .. import policy, services, timeline
from ..diff import line_diff, word_diff
from ..models import Revision, Rex
from . import bp, load_rex  # 404 unless visible: a hidden REX's history is for moderators


class VersionsMissing(errors.CommonsError):
    """The differences were asked without two version numbers (a 400 page)."""

    status = 400
    default_message = "Indiquez les numéros des deux versions à comparer (de=… et a=…)."


def _canonical(rex: Rex, slug: str) -> Response | None:
    """A permanent redirect when the page was reached through an old slug."""
    if rex.slug == slug:
        return None
    args = {**(request.view_args or {}), **request.args.to_dict(), "slug": rex.slug}
    return redirect(url_for(str(request.endpoint), **args), code=301)


def _version(raw: str) -> int:
    """A version number from the query string: :class:`ValueError` (a 400) for what is not an
    integer, ``0`` (a 404) for an integer no revision can have (negative or huge)."""
    if not raw.strip().removeprefix("-").isascii() or not raw.strip().removeprefix("-").isdigit():
        raise ValueError(raw[:20])
    return params.optional_number(raw) or 0


def _number(value: int | None, rex: Rex) -> int:
    """A revision number of this REX, or a French 404."""
    if value is None or not 1 <= value <= rex.head:
        raise errors.NotFound(
            f"Ce REX n'a pas de version {value}." if value else "Version inconnue."
        )
    return value


def _revisions(rex: Rex, *numbers: int) -> dict[int, tuple[Revision, str]]:
    """Some revisions with their authors' names (one query), or a French 404."""
    found = timeline.revisions_with_authors(rex, set(numbers))
    for number in numbers:
        if number not in found:
            raise errors.NotFound(f"Ce REX n'a pas de version {number}.")
    return found


@bp.route("/<slug>/historique")
def history(slug: str) -> str | Response:
    """Revisions (newest first, 50 a page) and events of the same period, in time order."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    found = timeline.history(current_user, rex, params.page(request.args))
    return render_template(
        "wiki/history.html",
        view="history",
        rex=rex,
        entries=found.entries,
        page=found.page,
        pages=found.pages,
        can_edit=policy.can_edit_rex(current_user, rex),
    )


@bp.route("/<slug>/version/<int:number>")
def revision(slug: str, number: int) -> str | Response:
    """One revision as it was stored (its HTML is never re-rendered)."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    number = _number(number, rex)
    rev, author = _revisions(rex, number)[number]
    # one template for the history and the old versions it links to
    return render_template("wiki/history.html", view="version", rex=rex, rev=rev, author=author)


@bp.route("/<slug>/diff")
def diff(slug: str) -> str | Response:
    """Differences between two revisions, older to newer whatever the order asked."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    de, a = request.args.get("de", type=_version), request.args.get("a", type=_version)
    if de is None or a is None:
        raise VersionsMissing()
    old_no, new_no = sorted((_number(de, rex), _number(a, rex)))
    found = _revisions(rex, old_no, new_no)
    return render_template("wiki/diff.html", **_differences(rex, *found[old_no], *found[new_no]))


def _differences(
    rex: Rex, old: Revision, old_author: str, new: Revision, new_author: str
) -> dict[str, object]:
    """What the differences page shows."""
    return {
        "rex": rex,
        "old": old,
        "new": new,
        "old_author": old_author,
        "new_author": new_author,
        "title": word_diff(old.title, new.title) if old.title != new.title else None,
        "changes": line_diff(old.source, new.source),
    }


@bp.route("/<slug>/restaurer/<int:number>", methods=["POST"])
@login_required
def restore(slug: str, number: int) -> Response:
    """Make an old text current again, as a new revision (identical text: nothing changes)."""
    rex = load_rex(slug)
    require(policy.can_edit_rex(current_user, rex), "Vous ne pouvez pas modifier ce REX.")
    number = _number(number, rex)
    created = attempt(None, services.restore, current_user, rex, number)
    if created is REFUSED:
        return redirect(url_for("wiki.history", slug=rex.slug))
    _tell_restored(number, created)
    return redirect(url_for("wiki.show", slug=rex.slug))


def _tell_restored(number: int, created: Revision | None) -> None:
    """Flash what the restore did."""
    if created is None:
        flash(
            f"Aucun changement : la version {number} a le même texte que la version actuelle.",
            "info",
        )
    else:
        flash(
            f"La version {number} est restaurée : elle devient la version {created.number}. "
            "L'historique est conservé.",
            "success",
        )
