"""A search-query builder: fill in plain fields, get a ready query with operators and what each part does.

The operators (quotes, OR, minus, site:, filetype:) work the same way in Google, Bing and
DuckDuckGo, so the query can be pasted into any of them; the builder also links to each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlparse

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.feedback import Finding, render_findings

FILETYPES: dict[str, str] = {
    "": "alla filtyper",
    "pdf": "PDF – ofta rapporter, broschyrer och utredningar",
    "docx": "Word-dokument",
    "xlsx": "Excel-kalkylblad – ofta statistik",
    "pptx": "PowerPoint-presentationer – ofta från konferenser",
}
SEARCH_ENGINES: dict[str, str] = {
    "Google": "https://www.google.com/search?q=",
    "Bing": "https://www.bing.com/search?q=",
    "DuckDuckGo": "https://duckduckgo.com/?q=",
}
# Google reads at most 32 words of a query and ignores the rest.
MAX_TERMS = 32
DOMAIN = re.compile(r"^(?:[a-z0-9åäö](?:[a-z0-9åäö-]*[a-z0-9åäö])?\.)*[a-z]{2,}$")


class QueryError(ValueError):
    """A field holds something the builder cannot use; the message is Swedish."""


@dataclass(frozen=True)
class Query:
    text: str
    parts: list[tuple[str, str]] = field(default_factory=list)   # (part of the query, what it does)
    findings: list[Finding] = field(default_factory=list)

    def links(self) -> dict[str, str]:
        return {name: base + quote_plus(self.text) for name, base in SEARCH_ENGINES.items()} if self.text else {}


def _terms(text: str) -> list[str]:
    """Words, or comma-separated phrases if the learner used commas; quote characters are dropped."""
    text = text.replace('"', " ").replace("”", " ").replace("“", " ")
    pieces = text.split(",") if "," in text else text.split()
    return [" ".join(p.split()) for p in pieces if p.strip()]


def _quoted(term: str) -> str:
    return f'"{term}"' if " " in term else term


def normalise_site(site: str) -> str:
    """'https://www.kb.se/om-oss' -> 'kb.se'; '.se' -> 'se'. Raises QueryError for what is not a domain."""
    site = site.strip().lower()
    if not site:
        return ""
    if "://" in site:
        site = urlparse(site).netloc
    site = site.split("/")[0].split("?")[0].lstrip(".")
    site = site.removeprefix("www.")
    if not DOMAIN.match(site):
        raise QueryError(f"”{site}” ser inte ut som en webbplats. Skriv till exempel kb.se, riksdagen.se eller bara "
                         "se för alla svenska webbplatser.")
    return site


def build_query(all_words: str = "", phrase: str = "", any_words: str = "", none_words: str = "",
                site: str = "", filetype: str = "") -> Query:
    """Assemble the query and explain every part in Swedish."""
    parts: list[tuple[str, str]] = []
    findings: list[Finding] = []

    words = [w_ for t in _terms(all_words) for w_ in t.split()] if "," not in all_words else _terms(all_words)
    if any(w_.lower() == "or" for w_ in words):
        findings.append(Finding("tips", "Du skrev ”or” bland orden som alla ska finnas med. Vill du ha något av "
                                        "flera ord: använd fältet för det – då skrivs OR med versaler, som "
                                        "sökmotorerna kräver."))
        words = [w_ for w_ in words if w_.lower() != "or"]
    for word in words:
        parts.append((_quoted(word), "ska finnas med – sökmotorn letar efter sidor med alla sådana ord"))

    exact = " ".join(_terms(phrase.replace(",", " ")))
    if exact:
        parts.append((f'"{exact}"', "citattecken: orden ska stå precis så här, i den här ordningen"))

    alternatives = _terms(any_words)
    if len(alternatives) == 1:
        findings.append(Finding("tips", "Bara ett ord i fältet ”något av”. OR behöver minst två alternativ, så "
                                        "ordet räknas som ett vanligt sökord."))
        parts.append((_quoted(alternatives[0]), "ska finnas med"))
    elif alternatives:
        parts.append(("(" + " OR ".join(_quoted(a) for a in alternatives) + ")",
                      "OR: minst ett av orden ska finnas med – bra för synonymer och olika stavningar"))

    for unwanted in _terms(none_words):
        parts.append(("-" + _quoted(unwanted), "minustecken: sidor med det här ordet tas bort ur resultatet"))

    try:
        domain = normalise_site(site)
    except QueryError as exc:
        findings.append(Finding("problem", str(exc)))
        domain = ""
    if domain:
        where = f"webbplatser vars adress slutar på .{domain}" if "." not in domain else f"webbplatsen {domain}"
        parts.append((f"site:{domain}", f"site: bara sidor från {where}"))

    if filetype:
        if filetype not in FILETYPES:
            raise QueryError(f"Filtypen {filetype!r} finns inte i listan.")
        parts.append((f"filetype:{filetype}", f"filetype: bara filer av typen {FILETYPES[filetype]}"))

    text = " ".join(p for p, _ in parts)
    has_words = bool(words or exact or alternatives)
    if not text:
        findings.append(Finding("problem", "Sökfrågan är tom. Fyll i minst ett fält."))
    elif not has_words:
        findings.append(Finding("tips", "Sökfrågan har inga sökord, bara avgränsningar. Lägg till minst ett ord "
                                        "om vad du letar efter."))
    else:
        findings.append(Finding("bra", "Sökfrågan är klar. Kopiera den eller sök direkt med länkarna nedan."))
    if len(text.replace('"', "").split()) > MAX_TERMS:
        findings.append(Finding("tips", f"Sökfrågan har fler än {MAX_TERMS} ord. Google bortser från orden efter "
                                        "det, så välj de viktigaste."))
    return Query(text, parts, findings)


def render_query(query: Query) -> str:
    table = render_table("Så fungerar sökfrågan, del för del", ["Del", "Vad den gör"],
                         [[f"<code>{escape(part)}</code>", escape(why)] for part, why in query.parts]) if query.parts else ""
    links = " · ".join(f'<a href="{escape(url)}" target="_blank" rel="noopener">Sök med {name}</a>'
                       for name, url in query.links().items())
    links_html = f"<p>{links} (öppnas i en ny flik)</p>" if links else ""
    return table + links_html + render_findings(query.findings)


class SearchQueryBuilder(AnswerWidget):
    """Plain Swedish fields in; a ready query, an explanation of every part and search links out."""

    kind = "builder"
    FIELDS = ("all_words", "phrase", "any_words", "none_words", "site")

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        style = {"description_width": "16em"}
        layout = w.Layout(width="100%")

        def box(label: str, placeholder: str) -> w.Text:
            return w.Text(description=label, placeholder=placeholder, continuous_update=False,
                          style=style, layout=layout)

        self.all_words = box("Alla de här orden", "till exempel: läsfrämjande barn")
        self.phrase = box("Exakt den här frasen", "till exempel: högläsning för barn")
        self.any_words = box("Något av de här orden", "till exempel: bibliotek, folkbibliotek")
        self.none_words = box("Inget av de här orden", "till exempel: jobb")
        self.site = box("Bara från webbplatsen", "till exempel: kb.se")
        self.filetype = w.Dropdown(description="Filtyp", options=[(label, key_) for key_, label in FILETYPES.items()],
                                   value="", style=style, layout=w.Layout(width="40em"))
        self.build_button = w.Button(description="Bygg sökfrågan", button_style="primary", icon="search")
        self.query_box = w.Text(description="Din sökfråga", style=style, layout=layout,
                                placeholder="Här visas sökfrågan – markera och kopiera den")
        self.result = w.HTML()
        self.build_button.on_click(lambda _: self.build())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Bygg en sökfråga.</strong> Fyll i de fält du behöver – de andra lämnar du tomma. "
                   "Separera flera ord med mellanslag, eller med kommatecken om alternativen är fraser.</p>"),
            self.all_words, self.phrase, self.any_words, self.none_words, self.site, self.filetype,
            self.build_button, self.query_box, self.result, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict):
            for name in self.FIELDS:
                getattr(self, name).value = str(saved.get(name, ""))
            if saved.get("filetype") in FILETYPES:
                self.filetype.value = saved["filetype"]
            self._show(self.query())
            self.show_status("Din tidigare sökfråga är återställd.")

    def query(self) -> Query:
        return build_query(self.all_words.value, self.phrase.value, self.any_words.value, self.none_words.value,
                           self.site.value, self.filetype.value)

    def _show(self, query: Query) -> None:
        self.query_box.value = query.text
        self.result.value = render_query(query)

    def build(self) -> Query:
        query = self.query()
        self._show(query)
        if query.text:
            self.save({**{name: getattr(self, name).value for name in self.FIELDS},
                       "filetype": self.filetype.value, "query": query.text})
        return query

    def fill(self, **fields: str) -> Query:
        """Fill fields by name and build (used by tests and the demo cohort)."""
        for name, value in fields.items():
            getattr(self, name).value = value
        return self.build()

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.fill(all_words=rng.choice(["läsfrämjande", "digital delaktighet", "meröppet bibliotek"]),
                  site=rng.choice(["kb.se", "", "se"]), filetype=rng.choice(["", "pdf"]))
