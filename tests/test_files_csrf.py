"""Uploads with CSRF protection on: the file page takes requests bigger than the rest of the
site (set before the CSRF check reads the form), and a form without its token is refused."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from commons import db
from commons.files import services as files
from commons.wiki import services as wiki

from .conftest import base_config

pytestmark = pytest.mark.csrf


@pytest.fixture
def app_config(tmp_path, backend) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {**base_config(tmp_path, backend), "WTF_CSRF_ENABLED": True}


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, page
    return match.group(1)


def test_upload_bigger_than_the_site_limit_with_csrf(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = wiki.create_rex(author, title="Tableaux de bord", body="Texte.\n")
    db.session.commit()
    assert app.config["MAX_CONTENT_LENGTH"] < 9 * 1024 * 1024 < app.config["FILES_MAX_BYTES"]
    client.get("/connexion")
    page = client.get("/connexion").get_data(as_text=True)
    client.post("/connexion", data={"email": author.email, "password": "mot-de-passe-de-test",
                                    "csrf_token": _token(page)})  # fmt: skip
    form = client.get(f"/rex/{rex.slug}/fichiers").get_data(as_text=True)
    big = ("ligne;valeur\n" * 700_000).encode()  # about 9 MB
    small = {"file": (io.BytesIO(b"a;b\n"), "mesures.csv"), "alt": ""}  # no token
    refused = client.post(f"/rex/{rex.slug}/fichiers", data=small,
                          content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 400 and files.files_of(rex) == []
    fields = {"file": FileStorage(io.BytesIO(big), "mesures.csv"), "alt": "",
              "csrf_token": _token(form)}  # fmt: skip
    # Encoded here, in memory: the test client would spool it to a file it never closes.
    boundary, body = encode_multipart(fields)
    response = client.post(f"/rex/{rex.slug}/fichiers", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert response.status_code == 302
    [att] = files.files_of(rex)
    assert (att.name, att.size, att.media_type) == ("mesures.csv", len(big), "text/csv")
