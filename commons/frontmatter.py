"""YAML front matter of Markdown documents (content pages, licences, REX files, archives),
loaded safely: anchors and aliases are refused before anything is built."""

from __future__ import annotations

import yaml

#: libyaml's safe loader when present (the archive importer reads thousands of front matters).
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterError(yaml.YAMLError):
    """Front matter refused before loading (a French reason, without the file name)."""


def refuse_aliases(source: str) -> None:
    """Anchors and aliases let a few kilobytes expand to gigabytes (a "billion laughs"): front
    matter never needs them, so they are refused before anything is built."""
    for event in yaml.parse(source, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise FrontMatterError(
                "les ancres et alias YAML (« &nom », « *nom ») ne sont pas acceptés "
                f"(ligne {event.start_mark.line + 2 if event.start_mark else '?'})"
            )


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split ``---`` YAML front matter from a Markdown document; :class:`FrontMatterError`
    (a :class:`yaml.YAMLError`) for anchors or aliases."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            refuse_aliases(text[4:end])
            meta = yaml.load(text[4:end], Loader=LOADER) or {}
            body = text[end + 4 :].lstrip("\n")
            if isinstance(meta, dict):
                return meta, body
    return {}, text
