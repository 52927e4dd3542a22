"""The admin import page ``/communs/importer`` (CSRF on, as in production): admins only,
size limit, clear French refusals, nothing imported on any refusal."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from commons import db
from commons.export import archive
from commons.wiki.models import Rex

from .archive_helpers import make_rex, wipe_rex, write_zip
from .conftest import PASSWORD

URL = "/communs/importer"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WTF_CSRF_ENABLED": True, "SITE_NAME": "Commons A"}


def _token(client, url: str) -> str:  # type: ignore[no-untyped-def]
    body = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _login(client, user) -> None:  # type: ignore[no-untyped-def]
    data = {"email": user.email, "password": PASSWORD, "csrf_token": _token(client, "/connexion")}
    assert client.post("/connexion", data=data).status_code == 302


def _count() -> int:
    return db.session.scalar(select(func.count(Rex.id))) or 0


@pytest.fixture
def zip_bytes(app, tmp_path: Path, make_user) -> bytes:  # type: ignore[no-untyped-def]
    make_rex(make_user("Alice Martin"), "Covoiturage rural")
    archive.write_zip(tmp_path / "a.zip")
    wipe_rex()
    app.config["SITE_NAME"] = "Commons B"
    app.config["BASE_URL"] = "https://b.example"
    return (tmp_path / "a.zip").read_bytes()


def _post(client, data: bytes, token: str | None, name: str = "a.zip"):  # type: ignore[no-untyped-def]
    """A multipart upload, encoded here (the test client would spool a large body to a
    temporary file it never closes)."""
    form: dict[str, Any] = {"archive": FileStorage(io.BytesIO(data), name)}
    if token is not None:
        form["csrf_token"] = token
    boundary, body = encode_multipart(form)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_only_admins_see_and_use_the_page(app, client, make_user, zip_bytes) -> None:  # type: ignore[no-untyped-def]
    assert client.get(URL).status_code == 403
    agent = make_user()
    _login(client, agent)
    assert client.get(URL).status_code == 403
    token = _token(client, "/compte/profil")
    assert _post(client, zip_bytes, token).status_code == 403
    assert _count() == 0


def test_admin_imports_an_archive(app, client, make_user, zip_bytes) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user(role="admin"))
    page = client.get(URL).get_data(as_text=True)
    assert 'for="archive"' in page and 'enctype="multipart/form-data"' in page
    response = _post(client, zip_bytes, _token(client, URL))
    assert response.status_code == 302
    assert "Import réussi : 1 REX créé(s)" in client.get(URL).get_data(as_text=True)
    rex = db.session.scalar(select(Rex))
    assert rex is not None and rex.provenance == "Commons A" and rex.space == "public"
    again = _post(client, zip_bytes, _token(client, URL))
    assert again.status_code == 302 and _count() == 1
    assert "0 REX créé(s), 0 mis à jour, 1 inchangé(s)" in client.get(URL).get_data(as_text=True)


def test_forged_post_without_token_imports_nothing(app, client, make_user, zip_bytes) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user(role="admin"))
    response = _post(client, zip_bytes, None)
    assert response.status_code == 400 and _count() == 0


def test_a_hostile_archive_is_refused_with_its_reason(app, client, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user(role="admin"))
    bad = write_zip(tmp_path / "bad.zip", {"../../etc/passwd": b"root"}).read_bytes()
    response = _post(client, bad, _token(client, URL))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Archive refusée : rien n'a été importé" in page
    assert "sort de l&#39;archive" in page and _count() == 0
    empty = client.post(URL, data={"csrf_token": _token(client, URL)})
    assert empty.status_code == 200 and "Choisissez le fichier .zip" in empty.get_data(as_text=True)


def test_an_oversized_upload_is_refused(app, client, make_user, zip_bytes) -> None:  # type: ignore[no-untyped-def]
    app.config["IMPORT_MAX_UPLOAD_BYTES"] = 2048
    _login(client, make_user(role="admin"))
    token = _token(client, URL)
    response = _post(client, zip_bytes + b"\0" * 4096, token)
    assert response.status_code == 413 and _count() == 0


def test_the_page_takes_archives_above_the_global_form_limit(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    assert app.config["IMPORT_MAX_UPLOAD_BYTES"] > app.config["MAX_CONTENT_LENGTH"]
    _login(client, make_user(role="admin"))
    junk = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    response = _post(client, junk, _token(client, URL))
    assert response.status_code == 200
    assert "pas une archive zip lisible" in response.get_data(as_text=True)
