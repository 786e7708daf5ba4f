"""Words, not codes: what a page calls the types, data files and descriptions
it shows. Imports nothing from the page modules."""

from __future__ import annotations

import re

from .linking import Term

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"

#: Classes from other vocabularies, in the words a reader uses; None: not
#: worth a word on a page (a super-class every such resource has).
TYPE_WORDS = {
    ORG + "FormalOrganization": "organisation",
    ORG + "Organization": "organisation",
    ORG + "OrganizationalUnit": "organisational unit",
    ORG + "Membership": "membership",
    ORG + "Post": "post",
    SCHEMA + "GovernmentOrganization": "government organisation",
    SCHEMA + "Organization": "organisation",
    SCHEMA + "Project": None,
    SCHEMA + "Report": "report",
    SCHEMA + "NewsArticle": "news article",
    SCHEMA + "CreativeWork": None,
    PROV + "Activity": None,
    PROV + "Entity": None,
    PROV + "Agent": None,
    "http://wikiba.se/ontology#Item": None,
    "http://wikiba.se/ontology#Statement": None,
    "http://wikiba.se/ontology#Reference": None,
}

#: Register numbers of the source register ("(P41)", "(S2)") in descriptions.
REGISTER_CODE = re.compile(r"\s*\((?:[PS]\d+(?:[,;] *[PS]\d+)*)\)")


def _from_name(iri: str) -> str:
    name = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def type_words(types: list[Term]) -> list[Term]:
    """The types of a resource as words, each once: our own classes by their
    labels, others by the table above (or their name split into words)."""
    out, seen = [], set()
    for t in types:
        if t.label:
            word = t.label
        elif t.value in TYPE_WORDS:
            word = TYPE_WORDS[t.value]
        else:
            word = _from_name(t.value)
        if not word or word.lower() in seen:
            continue
        seen.add(word.lower())
        out.append(Term("iri", t.value, label=word[:1].upper() + word[1:]))
    return out


def without_codes(text: str | None) -> str | None:
    """A description without the source register's numbers."""
    return REGISTER_CODE.sub("", text) if text else text


def data_file(name: str, labels: dict[str, str]) -> str:
    """A data file (named graph) in words: a seed by its document's label,
    others by their folder and name ("reference data: better care fund")."""
    folder, _, stem = name.partition("/")
    if folder == "seeds":
        doc = re.sub(r"^s\d+-", "", stem)
        if doc in labels:
            return labels[doc]
    kind = {"core": "core data", "reference": "reference data", "vocab": "vocabulary", "seeds": "source extract"}
    return f"{kind.get(folder, folder)}: {stem.replace('-', ' ')}" if stem else name
