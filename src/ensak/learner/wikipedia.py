"""A reference builder for Swedish Wikipedia: plain fields in, a ready <ref>{{webbref}}</ref> or
<ref>{{bokref}}</ref> out, with the common mistakes caught (missing title, bad date, ISBN typos).

Parameter names follow the documentation of Mall:Webbref and Mall:Bokref on sv.wikipedia.org.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.feedback import Finding, render_findings
from ensak.swedish import MONTHS, swedish_date

# field -> (template parameter, Swedish label, what it is for). Order is the order in the template.
WEB_FIELDS: dict[str, tuple[str, str, str]] = {
    "url": ("url", "Webbadress", "var källan finns"),
    "titel": ("titel", "Sidans rubrik", "så att källan går att hitta igen om adressen ändras"),
    "efternamn": ("efternamn", "Författarens efternamn", "vem som har skrivit texten"),
    "fornamn": ("förnamn", "Författarens förnamn", "vem som har skrivit texten"),
    "datum": ("datum", "Publicerad (ÅÅÅÅ-MM-DD)", "när texten publicerades"),
    "verk": ("verk", "Webbplats eller tidning", "var texten är publicerad, till exempel Sveriges Radio"),
    "utgivare": ("utgivare", "Utgivare", "vem som står bakom webbplatsen"),
    "hamtdatum": ("hämtdatum", "Läst (ÅÅÅÅ-MM-DD)", "när du läste sidan – webbsidor ändras"),
}
BOOK_FIELDS: dict[str, tuple[str, str, str]] = {
    "efternamn": ("efternamn", "Författarens efternamn", "vem som har skrivit boken"),
    "fornamn": ("förnamn", "Författarens förnamn", "vem som har skrivit boken"),
    "titel": ("titel", "Bokens titel", "vilken bok det är"),
    "ar": ("år", "Utgivningsår", "vilken utgåva du har läst"),
    "utgivare": ("utgivare", "Förlag", "vem som gav ut boken"),
    "ort": ("utgivningsort", "Utgivningsort", "var boken gavs ut"),
    "isbn": ("isbn", "ISBN", "bokens nummer – gör att läsaren hittar exakt rätt utgåva"),
    "sid": ("sid", "Sida eller sidor", "var i boken uppgiften står"),
}
TEMPLATES = {"webb": ("webbref", WEB_FIELDS), "bok": ("bokref", BOOK_FIELDS)}
DATE_FIELDS = {"datum", "hamtdatum"}


@dataclass(frozen=True)
class Reference:
    wikitext: str
    parts: list[tuple[str, str]] = field(default_factory=list)     # (parameter=value, what it is for)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.wikitext) and not any(f.level == "problem" for f in self.findings)


def parse_date(text: str) -> dt.date:
    """Read YYYY-MM-DD (or '15 januari 2027'); raise ValueError with a Swedish message otherwise."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})\s+([a-zåäö]+)\s+(\d{4})", text.lower())
    if match and match.group(2) in MONTHS:
        try:
            return dt.date(int(match.group(3)), MONTHS.index(match.group(2)) + 1, int(match.group(1)))
        except ValueError:
            pass
    raise ValueError(f"”{text}” är inget datum som går att läsa. Skriv år-månad-dag, till exempel 2027-01-15.")


def isbn_is_valid(isbn: str) -> bool:
    """Check the check digit of an ISBN-10 or ISBN-13 (hyphens and spaces are allowed)."""
    digits = re.sub(r"[\s-]", "", isbn).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", digits):
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


def _clean(value: str) -> tuple[str, bool]:
    """One line, with characters that would break the template escaped. Returns (value, changed)."""
    cleaned = " ".join(str(value).split())
    # Braces first: the pipe's escape {{!}} is itself made of braces.
    escaped = cleaned.replace("{{", "{ {").replace("}}", "} }").replace("|", "{{!}}")
    return escaped, escaped != cleaned


def build_reference(kind: str, values: dict[str, str], *, today: dt.date | None = None) -> Reference:
    """Build the reference for `kind` ('webb' or 'bok') from the learner's `values`, with findings."""
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown reference kind {kind!r}; use 'webb' or 'bok'.")
    template, fields = TEMPLATES[kind]
    today = today or dt.date.today()
    values = {name: str(values.get(name, "") or "").strip() for name in fields}
    if kind == "webb" and not values["hamtdatum"]:
        values["hamtdatum"] = today.isoformat()
    findings: list[Finding] = []
    parts: list[tuple[str, str]] = []
    escaped_any = False

    if not values["titel"]:
        findings.append(Finding("problem", "Titeln saknas. Utan titel går källan inte att känna igen eller hitta igen."))
    if kind == "webb":
        url = values["url"]
        host = urlparse(url).netloc.lower()
        if not url:
            findings.append(Finding("problem", "Webbadressen saknas."))
        elif urlparse(url).scheme not in ("http", "https") or not host:
            findings.append(Finding("problem", "Webbadressen ska börja med https:// eller http://. Kopiera den från "
                                               "webbläsarens adressfält."))
        elif host.endswith("wikipedia.org"):
            findings.append(Finding("problem", "Wikipedia kan inte vara källa till Wikipedia. Leta upp källan som "
                                               "den andra artikeln bygger på och hänvisa till den."))
    else:
        if values["isbn"] and not isbn_is_valid(values["isbn"]):
            findings.append(Finding("problem", f"ISBN {values['isbn']} stämmer inte – kontrollsiffran blir fel. "
                                               "Jämför siffra för siffra med katalogen eller bokens baksida."))
        if values["ar"] and not (re.fullmatch(r"\d{4}", values["ar"]) and int(values["ar"]) <= today.year):
            findings.append(Finding("problem", f"Utgivningsåret ”{values['ar']}” ska vara fyra siffror och inte "
                                               "ligga i framtiden."))
        if not values["isbn"]:
            findings.append(Finding("tips", "Har boken ett ISBN? Det gör att läsaren hittar exakt rätt utgåva."))
        if not values["sid"]:
            findings.append(Finding("tips", "Skriv gärna sidan där uppgiften står, så att den går att kontrollera."))

    for name in DATE_FIELDS & set(values):
        if values[name]:
            try:
                day = parse_date(values[name])
            except ValueError as exc:
                findings.append(Finding("problem", str(exc)))
                continue
            if day > today:
                findings.append(Finding("problem", f"Datumet {values[name]} ligger i framtiden."))
            values[name] = swedish_date(day)

    if not values["efternamn"] and not values["fornamn"]:
        findings.append(Finding("info", "Ingen författare angiven. Det är vanligt för webbsidor och rapporter – "
                                        "skriv då organisationen som utgivare."))
    elif not values["efternamn"]:
        findings.append(Finding("tips", "Skriv författarens efternamn i efternamnsfältet, så sorteras "
                                        "referensen rätt."))

    params = []
    for name, (param, _label, purpose) in fields.items():
        if values[name]:
            value, changed = _clean(values[name])
            escaped_any = escaped_any or changed
            params.append(f"{param}={value}")
            parts.append((f"{param}={value}", purpose))
    if escaped_any:
        findings.append(Finding("info", "Tecknet | har skrivits som {{!}}, eftersom ett vanligt | skulle dela upp "
                                        "mallen på fel ställe."))
    wikitext = "<ref>{{" + template + " |" + " |".join(params) + "}}</ref>" if params else ""
    if wikitext and not any(f.level == "problem" for f in findings):
        findings.append(Finding("bra", "Referensen är klar. Klistra in den direkt efter meningen den styrker, "
                                       "i redigeringsläget för wikitext."))
    return Reference(wikitext, parts, findings)


def render_reference(reference: Reference) -> str:
    table = render_table("Referensens delar", ["Del", "Varför den är med"],
                         [[f"<code>{escape(part)}</code>", escape(why)] for part, why in reference.parts]
                         ) if reference.parts else ""
    return table + render_findings(reference.findings)


class ReferenceBuilder(AnswerWidget):
    """Choose web page or book, fill in what you know, and get a reference to paste into Wikipedia."""

    kind = "builder"

    def __init__(self, key: str, *, store: AnswerStore | None = None, today: dt.date | None = None):
        self.today = today or dt.date.today()
        self.kind_choice = w.ToggleButtons(options=[("Webbsida", "webb"), ("Bok", "bok")], value="webb",
                                           description="Källan är", style={"description_width": "14em"})
        style = {"description_width": "14em"}
        self.inputs: dict[str, dict[str, w.Text]] = {}
        self.groups: dict[str, w.VBox] = {}
        for kind, (_template, fields) in TEMPLATES.items():
            boxes = {name: w.Text(description=label, style=style, layout=w.Layout(width="100%"))
                     for name, (_param, label, _purpose) in fields.items()}
            self.inputs[kind] = boxes
            self.groups[kind] = w.VBox(list(boxes.values()))
        self.inputs["webb"]["hamtdatum"].value = self.today.isoformat()
        self.inputs["webb"]["url"].placeholder = "https://…"
        self.inputs["bok"]["isbn"].placeholder = "till exempel 978-91-…"
        self.build_button = w.Button(description="Skapa referensen", button_style="primary", icon="quote-right")
        self.output = w.Textarea(placeholder="Här visas referensen – markera och kopiera den",
                                 layout=w.Layout(width="100%", height="5em"))
        self.result = w.HTML()
        self.fields_box = w.VBox([self.groups["webb"]])
        self.kind_choice.observe(lambda change: self._show_fields(change["new"]), names="value")
        self.build_button.on_click(lambda _: self.build())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Skapa en referens till Wikipedia.</strong> Välj vilken sorts källa det är och fyll i "
                   "det du vet. Rubrik (titel) krävs alltid, och för en webbsida också adressen.</p>"),
            self.kind_choice, self.fields_box, self.build_button, self.output, self.result, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and saved.get("type") in TEMPLATES:
            self.kind_choice.value = saved["type"]
            for name, box in self.inputs[saved["type"]].items():
                if name in saved.get("fields", {}):
                    box.value = str(saved["fields"][name])
            self._show(self.reference())
            self.show_status("Din tidigare referens är återställd.")

    def _show_fields(self, kind: str) -> None:
        self.fields_box.children = [self.groups[kind]]

    def values(self) -> dict[str, str]:
        return {name: box.value for name, box in self.inputs[self.kind_choice.value].items()}

    def reference(self) -> Reference:
        return build_reference(self.kind_choice.value, self.values(), today=self.today)

    def _show(self, reference: Reference) -> None:
        self.output.value = reference.wikitext
        self.result.value = render_reference(reference)

    def build(self) -> Reference:
        reference = self.reference()
        self._show(reference)
        if reference.wikitext:
            self.save({"type": self.kind_choice.value, "fields": self.values(), "wikitext": reference.wikitext,
                       "ok": reference.ok})
        return reference

    def fill(self, kind: str, **values: str) -> Reference:
        """Choose the kind, fill fields by name and build (used by tests and the demo cohort)."""
        self.kind_choice.value = kind
        for name, value in values.items():
            self.inputs[kind][name].value = value
        return self.build()

    def simulate(self, rng, learner: dict | None = None) -> None:
        if rng.random() < 0.5:
            self.fill("webb", url="https://www.kb.se/", titel="Kungliga biblioteket", utgivare="Kungliga biblioteket")
        else:
            self.fill("bok", titel="En sak i taget", efternamn="Storck", fornamn="Åsa", ar="2011")
