"""An agent's profile, and the edition of one's own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...collectivites import vocab
from ...lifecycle import REFUSED
from .. import affiliation, policy, queries
from ..forms import ProfileForm
from ..models import User
from . import bp


@bp.route("/agents/<handle>")
@login_required
def profile(handle: str) -> str:
    user = queries.by_handle(handle) or abort(404)
    lifecycle.require(policy.can_view_profile(current_user, user))
    can_edit = policy.can_edit_profile(current_user, user)
    return render_template("accounts/profile.html", user=user, vocab=vocab, can_edit=can_edit)


@bp.route("/compte/profil", methods=["GET", "POST"])
@login_required
def edit_profile() -> str | Response:
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    affiliation.offer(form, allow_new=True, current=user.collectivite)
    if request.method == "GET":
        form.collectivite.data = str(user.collectivite_id or "")
    if form.validate_on_submit() and saved(user, form):
        flash("Votre profil est enregistré.", "success")
        return redirect(url_for("accounts.profile", handle=user.handle))
    return render_template("accounts/edit_profile.html", form=form)


def saved(user: User, form: ProfileForm) -> bool:
    """Whether the profile was saved (else the reason is on the form). A collectivité proposed
    from the profile must be usable; any other choice is kept."""
    if form.collectivite.data == affiliation.NEW and not affiliation.check(form):
        return False
    save = affiliation.save_profile
    return lifecycle.attempt(form.new_collectivite_name, save, user, form) is not REFUSED
