"""How to cite a public REX: the French citation line, BibTeX, CSL-JSON and schema.org JSON-LD.

Credits always come from :func:`commons.wiki.attribution.credits` (named contributors, Chatham
House descriptions or the group, as chosen at publication): nothing here reads revision authors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from werkzeug.wrappers import Response

from ..collectivites import vocab as coll_vocab
from ..dates import day
from ..licensing import registry
from ..wiki import attribution
from ..wiki.models import STATUS_LABELS, Rex
from ..wiki.vocab import themes as theme_vocab
from . import public


def french_date(rex: Rex) -> str:
    """``22 novembre 2026``: the Paris day of the REX's last update."""
    return day(rex.updated_at)


@dataclass(frozen=True)
class Citation:
    """Everything a citation shows, computed once per page."""

    rex: Rex
    credits: list[attribution.Credit]
    url: str
    licence: registry.Licence
    site: str
    #: The public REX it adapts, with their credits (« dérivé de »).
    sources: list[attribution.Adapted] = field(default_factory=list)

    @classmethod
    def of(cls, rex: Rex, seen: list[Rex] | None = None) -> Citation:
        """``rex``'s citation; ``seen``: the sources a page already loaded for its reader (the
        public ones among them are cited; ``None``: ask the database)."""
        sources = public.sources(rex) if seen is None else [s for s in seen if public.is_public(s)]
        return cls(
            rex=rex,
            credits=attribution.credits(rex),
            url=public.rex_url(rex),
            licence=registry.get(rex.licence_id),
            site=public.site_name(),
            sources=attribution.adapted(sources),
        )

    @property
    def authors(self) -> str:
        """``A, B et C``; the instance's contributors when nobody is credited."""
        names = [c.name for c in self.credits]
        if not names:
            return f"Contributeur·rices de {self.site}"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]

    @property
    def mode_label(self) -> str:
        return attribution.MODES.get(self.rex.attribution_mode, "")

    def text(self) -> str:
        """The citation line shown in « Comment citer », then the credits of the public REX
        it adapts."""
        rex = self.rex
        line = (
            f"{self.authors} ({rex.updated_at.year}). « {rex.title} », retour d'expérience, "
            f"version {rex.head} du {french_date(rex)}. {self.site}. {self.url}. "
            f"Licence : {self.licence.name}."
        )
        adapted = self.adapted()
        return f"{line} {adapted}." if adapted else line

    def adapted(self) -> str:
        """``Adapté de « Source » par …, URL, sous licence …`` (empty when it adapts none)."""
        return attribution.adapted_text([(s, public.rex_url(s.rex)) for s in self.sources])

    def bibtex(self) -> str:
        """A ``@misc`` BibTeX entry (each credited name kept literal between braces)."""
        rex = self.rex
        authors = " and ".join("{" + _bib(c.name) + "}" for c in self.credits) or (
            "{" + _bib(self.authors) + "}"
        )
        fields = [
            ("author", authors),
            ("title", "{" + _bib(rex.title) + "}"),
            ("year", "{" + str(rex.updated_at.year) + "}"),
            ("month", "{" + str(rex.updated_at.month) + "}"),
            ("publisher", "{" + _bib(self.site) + "}"),
            ("howpublished", "{\\url{" + _bib_url(self.url) + "}}"),
            ("url", "{" + _bib_url(self.url) + "}"),
            ("version", "{" + str(rex.head) + "}"),
            ("note", "{" + _bib(self.note()) + "}"),
            ("language", "{french}"),
        ]
        body = ",\n".join(f"  {name} = {value}" for name, value in fields)
        return f"@misc{{{_bib_key(rex)},\n{body}\n}}\n"

    def note(self) -> str:
        """The BibTeX note and CSL ``note``: the genre, the licence, and what it adapts."""
        note = f"Retour d'expérience, licence {self.licence.name}"
        return f"{note}. {self.adapted()}" if self.sources else note

    def csl(self) -> list[dict[str, Any]]:
        """CSL-JSON (a list of one item), for Zotero and citation processors."""
        rex = self.rex
        d = rex.updated_at
        authors = [{"literal": c.name} for c in self.credits] or [{"literal": self.authors}]
        item: dict[str, Any] = {
            "id": rex.uuid,
            "type": "report",
            "genre": "Retour d'expérience",
            "title": rex.title,
            "author": authors,
            "issued": {"date-parts": [[d.year, d.month, d.day]]},
            "publisher": self.site,
            "URL": self.url,
            "version": str(rex.head),
            "language": "fr",
            "license": self.licence.url,
        }
        if rex.summary:
            item["abstract"] = rex.summary
        if self.sources:
            item["note"] = self.adapted()
        return [item]

    def jsonld(self) -> dict[str, Any]:
        """schema.org ``Article`` describing the REX."""
        rex = self.rex
        publisher = {"@type": "Organization", "name": self.site, "url": public.base_url() + "/"}
        themes = theme_vocab()
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Article",
            "@id": self.url,
            "url": self.url,
            "mainEntityOfPage": self.url,
            "identifier": f"urn:uuid:{rex.uuid}",
            "headline": rex.title,
            "name": rex.title,
            "inLanguage": "fr",
            "genre": "Retour d'expérience",
            "license": self.licence.url,
            "author": [_agent(c) for c in self.credits] or [publisher],
            "creditText": self.text(),
            "copyrightNotice": f"{self.authors}, {self.licence.name}",
            "dateCreated": rex.created_at.isoformat(),
            "datePublished": rex.created_at.isoformat(),
            "dateModified": rex.updated_at.isoformat(),
            "version": str(rex.head),
            "keywords": [themes.get(t, t) for t in rex.themes],
            "creativeWorkStatus": STATUS_LABELS.get(rex.status, rex.status),  # type: ignore[call-overload]
            "publisher": publisher,
            "isPartOf": {
                "@type": "Collection",
                "name": f"Communs de {self.site}",
                "url": public.absolute("communs.index"),
            },
        }
        if rex.summary:
            data["description"] = rex.summary
        if rex.collectivites:
            kinds = coll_vocab.kinds()
            data["about"] = [
                {
                    "@type": "GovernmentOrganization",
                    "name": c.name,
                    "description": kinds.get(c.kind, c.kind),
                }
                for c in rex.collectivites
            ]
        if rex.provenance:
            data["sourceOrganization"] = {"@type": "Organization", "name": rex.provenance}
        based_on: list[Any] = [_work(s) for s in self.sources]
        if canonical_url(rex) != self.url:  # imported: the original is where it was written
            based_on.insert(0, canonical_url(rex))
        if based_on:
            data["isBasedOn"] = based_on[0] if len(based_on) == 1 else based_on
        return data


def download(text: str, mimetype: str, filename: str) -> Response:
    """A citation file to save, in UTF-8 (said in its ``Content-Type``: Werkzeug adds no charset
    to ``application/…`` types), readable from any site."""
    response = Response(text, content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def bibtex_download(rex: Rex) -> Response:
    """``<slug>.bib``: the REX's BibTeX entry."""
    return download(Citation.of(rex).bibtex(), "application/x-bibtex", f"{rex.slug}.bib")


def csl_download(rex: Rex) -> Response:
    """``<slug>.json``: the REX's CSL-JSON item."""
    text = json.dumps(Citation.of(rex).csl(), ensure_ascii=False, indent=2) + "\n"
    return download(text, "application/vnd.citationstyles.csl+json", f"{rex.slug}.json")


def canonical_url(rex: Rex) -> str:
    """The REX's original address: the source instance's for an imported REX, else ours."""
    url = (rex.origin or {}).get("canonical_url")
    return (
        url
        if isinstance(url, str) and url.startswith(("http://", "https://"))
        else (public.rex_url(rex))
    )


def _agent(credit: attribution.Credit) -> dict[str, str]:
    """A credit as a schema.org agent: the group as an organisation, anyone else as a person
    (a Chatham House description is the only "name" such a person has)."""
    kind = "Organization" if credit.role == "group" else "Person"
    return {"@type": kind, "name": credit.name}


def _work(source: attribution.Adapted) -> dict[str, Any]:
    """A REX this one adapts, as a schema.org ``Article`` with its own credits and licence."""
    return {
        "@type": "Article",
        "name": source.rex.title,
        "url": public.rex_url(source.rex),
        "author": [_agent(c) for c in source.credits],
        "license": registry.get(source.rex.licence_id).url,
    }


def script_json(data: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/ld+json">``: ``<``, ``>`` and ``&``
    are escaped so a title like ``</script>`` cannot close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, indent=None)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return Markup(text)  # noqa: S704 - every markup character is escaped above


_BIB_ESCAPES = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "%": "\\%",
    "&": "\\&",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "^": "\\^{}",
    "~": "\\~{}",
}


def _bib(text: str) -> str:
    """Escape LaTeX special characters (and drop line breaks) in a BibTeX field."""
    text = " ".join(text.split())
    return "".join(_BIB_ESCAPES.get(c, c) for c in text)


def _bib_url(url: str) -> str:
    """URLs only need their braces and percent signs neutralised."""
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _bib_key(rex: Rex) -> str:
    return "commons-" + "".join(c if c.isalnum() else "-" for c in rex.slug)[:80]
