"""Safe YAML (issue 15): front matter with anchors or aliases (a "billion laughs" bomb) is
refused before anything is built, with a French message naming the file, in a REX file and in
an archive imported over HTTP."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from commons import db
from commons.export import archive
from commons.frontmatter import FrontMatterError, split_front_matter
from commons.wiki.models import Rex
from commons.wiki.rexfile import RexImportError, parse_rex_file

from .archive_helpers import make_rex, repack, unzip, wipe_rex
from .conftest import login

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def test_anchors_and_aliases_are_refused_before_loading() -> None:
    with pytest.raises(FrontMatterError, match="ancres et alias"):
        split_front_matter(f"---\n{BOMB}\n---\n\nCorps\n")
    with pytest.raises(FrontMatterError, match="ligne 3"):
        split_front_matter("---\ntitle: a\nb: &x 1\n---\n")
    meta, body = split_front_matter("---\ntitle: « & » et * ne sont pas des alias\n---\n\nx")
    assert meta == {"title": "« & » et * ne sont pas des alias"} and body == "x"


def test_a_rex_file_with_a_bomb_names_the_file() -> None:
    with pytest.raises(RexImportError) as caught:
        parse_rex_file(f"---\n{BOMB}\n---\n\nCorps\n".encode(), name="rex/bombe.md")
    assert "rex/bombe.md : en-tête YAML refusé : les ancres et alias YAML" in str(caught.value)


def _post(client, data: bytes) -> Any:  # type: ignore[no-untyped-def]
    boundary, body = encode_multipart({"archive": FileStorage(io.BytesIO(data), "a.zip")})
    return client.post(
        "/communs/importer", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_an_archive_with_a_bomb_is_refused_over_http(app, client, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    make_rex(make_user("Alice Martin"), "Covoiturage rural")
    archive.write_zip(tmp_path / "a.zip")
    wipe_rex()
    app.config.update(SITE_NAME="Commons B", BASE_URL="https://b.example")
    entries = unzip((tmp_path / "a.zip").read_bytes())
    name = next(n for n in sorted(entries) if n.startswith("rex/"))
    text = entries[name].decode()
    entries[name] = text.replace("---\n", f"---\n{BOMB}\n", 1).encode()
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for entry, data in repack(entries).items():
            zf.writestr(entry, data)
    login(client, make_user(role="admin"))
    response = _post(client, buffer.getvalue())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Archive refusée" in page
    assert name in page and "ancres et alias YAML" in page
    assert db.session.scalar(select(func.count(Rex.id))) == 0
