"""A Creative Commons licence chooser: three questions in, a named and explained licence out."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape, label_above
from ensak.learner.controls import ChoiceGroup

ADAPTATIONS = ("ja", "dela-lika", "nej")
SHARE = "kopiera och sprida verket, i vilket format och vilken kanal som helst"
ADAPT = "bearbeta verket: remixa, översätta och bygga vidare på det"
CREDIT = "ange vem som skapade verket, länka till licensen och tala om ifall de har ändrat något"


@dataclass(frozen=True)
class Licence:
    code: str  # as in the licence's address, e.g. "by-nc-sa"
    short: str  # the licence's short name, e.g. "CC BY-NC-SA 4.0"
    name: str  # the Swedish name on Creative Commons' own summary page
    url: str  # the Swedish summary (deed) on creativecommons.org
    may: tuple[str, ...]
    must: tuple[str, ...]
    advice: str


def _cc(code: str, name: str, may: tuple[str, ...], must: tuple[str, ...], advice: str) -> Licence:
    return Licence(code, f"CC {code.upper()} 4.0", f"{name} 4.0 Internationell",
                   f"https://creativecommons.org/licenses/{code}/4.0/deed.sv", may, must, advice)


LICENCES: dict[str, Licence] = {licence.code: licence for licence in (
    Licence("cc0", "CC0 1.0", "CC0 1.0 Universell", "https://creativecommons.org/publicdomain/zero/1.0/deed.sv",
            may=(SHARE, ADAPT, "använda verket till vad som helst, även kommersiellt"),
            must=("ingenting – men det är god sed att ändå ange var verket kommer ifrån",),
            advice="Med CC0 avstår du från dina rättigheter så långt lagen tillåter. En del av din ideella rätt "
                   "finns ändå kvar enligt svensk lag: verket får till exempel inte användas på ett sätt som "
                   "kränker dig. Välj CC0 för sådant du verkligen vill ge bort, till exempel en enkel bild av "
                   "bibliotekets entré."),
    _cc("by", "Erkännande", may=(SHARE, ADAPT, "använda verket även kommersiellt"), must=(CREDIT,),
        advice="Den mest generösa licensen som ändå kräver att ditt namn står med. Den passar bra när ni "
               "vill att bilden ska spridas så mycket som möjligt, till exempel till Wikipedia och Wikimedia "
               "Commons, som tar emot CC BY men inte licenser med IckeKommersiell eller IngaBearbetningar."),
    _cc("by-sa", "Erkännande-DelaLika", may=(SHARE, ADAPT, "använda verket även kommersiellt"),
        must=(CREDIT, "dela sina bearbetningar under samma licens, så att de också blir fria"),
        advice="Samma licens som texterna på Wikipedia. Den som bygger vidare måste dela med sig på samma "
               "villkor, så det fria stannar fritt."),
    _cc("by-nd", "Erkännande-IngaBearbetningar", may=(SHARE, "använda verket även kommersiellt"),
        must=(CREDIT, "inte sprida ändrade versioner – verket får bara delas som det är"),
        advice="Passar när verket måste vara exakt som det är, till exempel ett uttalande eller en rapport. "
               "En ändring räknas som en bearbetning först när upphovsrätten skulle kräva lov för den: att byta "
               "format gör det aldrig. Om en beskärning räknas beror på hur mycket den ändrar verket, så den som "
               "vill vara säker visar det som det är."),
    _cc("by-nc", "Erkännande-IckeKommersiell", may=(SHARE, ADAPT),
        must=(CREDIT, "inte använda verket främst för att tjäna pengar"),
        advice="Gränsen för vad som är kommersiellt är inte alltid tydlig: en lokaltidning, ett förlag eller "
               "ett företags blogg kan hamna på fel sida. Vill ni att bilden ska spridas brett är CC BY ofta "
               "ett bättre val."),
    _cc("by-nc-sa", "Erkännande-IckeKommersiell-DelaLika", may=(SHARE, ADAPT),
        must=(CREDIT, "inte använda verket främst för att tjäna pengar",
              "dela sina bearbetningar under samma licens"),
        advice="Vanlig för undervisningsmaterial som andra får bygga vidare på så länge ingen tjänar pengar på "
               "det. Materialet kan inte tas in på Wikipedia."),
    _cc("by-nc-nd", "Erkännande-IckeKommersiell-IngaBearbetningar", may=(SHARE,),
        must=(CREDIT, "inte använda verket främst för att tjäna pengar",
              "inte sprida ändrade versioner"),
        advice="Den mest begränsande licensen: andra får bara dela verket oförändrat och utan att tjäna pengar. "
               "Det är ändå mer än upphovsrätten ensam tillåter."),
)}

GENERAL_NOTES = (
    "En Creative Commons-licens går inte att ta tillbaka för den som redan har fått verket. Tänk efter innan du "
    "publicerar.",
    "Du kan bara licensiera det du själv har rättigheterna till. Har en kollega tagit bilden i tjänsten, kolla "
    "vad som gäller hos er.",
    "Licensen gäller upphovsrätten, inte personerna i bilden. Syns någon som går att känna igen behöver ni "
    "fortfarande deras samtycke.",
)


def choose_licence(*, attribution: bool, commercial: bool | None = None, adaptations: str | None = None) -> Licence:
    """The licence that answers Creative Commons' questions; without attribution it is CC0."""
    if not attribution:
        return LICENCES["cc0"]
    if commercial is None or adaptations not in ADAPTATIONS:
        raise ValueError("With attribution, both commercial use and adaptations must be answered.")
    parts = ["by"] + ([] if commercial else ["nc"]) + {"ja": [], "dela-lika": ["sa"], "nej": ["nd"]}[adaptations]
    return LICENCES["-".join(parts)]


def credit_line(licence: Licence, *, title: str = "", creator: str = "") -> str:
    """How others should credit the work: title, creator, licence and its address."""
    title, creator = title.strip(), creator.strip()
    who = creator or "[ditt eller bibliotekets namn]"
    what = f"”{title}” av {who}" if title else f"Foto: {who}"
    return f"{what}, {licence.short} ({licence.url})"


def licence_html(licence: Licence, credit: str) -> str:
    may = "".join(f"<li>{escape(item)}</li>" for item in licence.may)
    must = "".join(f"<li>{escape(item)}</li>" for item in licence.must)
    notes = "".join(f"<li>{escape(note)}</li>" for note in GENERAL_NOTES)
    return (
        f'<div class="ensak-feedback">'
        f"<p><strong>✓ Din licens: {escape(licence.name)} ({escape(licence.short)})</strong><br>"
        f'Läs licensens sammanfattning: <a href="{escape(licence.url)}" target="_blank" rel="noopener">'
        f"{escape(licence.url)}</a></p>"
        f"<p><strong>Andra får:</strong></p><ul>{may}</ul>"
        f"<p><strong>Villkoren är att de ska:</strong></p><ul>{must}</ul>"
        f"<p>{escape(licence.advice)}</p>"
        f"<p><strong>Skriv så här vid bilden:</strong><br><code>{escape(credit)}</code></p>"
        f"<p><strong>Bra att veta:</strong></p><ul>{notes}</ul></div>"
    )


class LicenceChooser(AnswerWidget):
    """Creative Commons' three questions as buttons; the chosen licence is named, linked and explained."""

    kind = "builder"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        wide = w.Layout(width="auto")
        self.attribution_q = ChoiceGroup("1. Ska den som använder verket ange vem som skapade det?", [
            "Ja – mitt eller bibliotekets namn ska stå med",
            "Nej – vem som helst får använda verket helt fritt, utan villkor",
        ], values=[True, False])
        self.commercial_q = ChoiceGroup("2. Får andra använda verket kommersiellt?", [
            "Ja, även kommersiellt, till exempel i en tidning eller i reklam",
            "Nej, bara när ingen tjänar pengar på det",
        ], values=[True, False])
        self.adaptations_q = ChoiceGroup("3. Får andra ändra i verket och dela sin ändrade version?", [
            "Ja", "Ja, om de delar resultatet på samma villkor", "Nej, bara i oförändrat skick",
        ], values=["ja", "dela-lika", "nej"])
        self.title_box = label_above(w.Text(description="Verkets titel", placeholder="till exempel Sommarboken 2027"))
        self.creator_box = label_above(w.Text(description="Skapare", placeholder="namn på fotograf eller bibliotek"))
        self.choose_button = w.Button(description="Visa min licens", button_style="primary", icon="check",
                                      layout=wide)
        self.choose_button.on_click(lambda _: self.choose())
        self.attribution_q.observe(lambda _: self._toggle_questions(), names="selected")
        self.result = w.HTML()
        self.licence: Licence | None = None
        super().__init__(key, store=store)
        self.children = [
            self.attribution_q,
            self.commercial_q,
            self.adaptations_q,
            w.HTML("<p>Vill du ha en färdig rad att skriva vid bilden? Fyll i titel och skapare "
                   "(frivilligt).</p>"),
            self.title_box, self.creator_box, self.choose_button, self.result, self.status,
        ]
        self._restore()

    def _toggle_questions(self) -> None:
        # Without attribution the answer is CC0, so the other two questions no longer apply.
        free = self.attribution_q.value is False
        self.commercial_q.disabled = free
        self.adaptations_q.disabled = free

    def choose(self) -> Licence | None:
        attribution = self.attribution_q.value
        missing = []
        if attribution is None:
            missing.append("1")
        elif attribution:
            if self.commercial_q.value is None:
                missing.append("2")
            if self.adaptations_q.value is None:
                missing.append("3")
        if missing:
            which = " och ".join(missing)
            self.result.value = ""
            self.show_status(f"Svara på fråga {which} först, och tryck sedan på knappen igen.", problem=True)
            return None
        self.licence = choose_licence(attribution=attribution, commercial=self.commercial_q.value,
                                      adaptations=self.adaptations_q.value)
        credit = credit_line(self.licence, title=self.title_box.value, creator=self.creator_box.value)
        self.result.value = licence_html(self.licence, credit)
        saved = self.save({
            "attribution": attribution,
            "commercial": self.commercial_q.value if attribution else None,
            "adaptations": self.adaptations_q.value if attribution else None,
            "licence": self.licence.code,
            "short": self.licence.short,
            "url": self.licence.url,
            "title": self.title_box.value.strip(),
            "creator": self.creator_box.value.strip(),
            "credit": credit,
        })
        if saved:
            self.show_status(f"Sparat. Din licens: {self.licence.name} ({self.licence.short}). Mer om den nedanför.")
        return self.licence

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict) or saved.get("attribution") not in (True, False):
            return
        attribution = saved["attribution"]
        commercial, adaptations = saved.get("commercial"), saved.get("adaptations")
        if attribution and (commercial not in (True, False) or adaptations not in ADAPTATIONS):
            return
        # The licence is worked out again from the answers, so the answers and the licence always agree.
        self.attribution_q.value = attribution
        if attribution:
            self.commercial_q.value = commercial
            self.adaptations_q.value = adaptations
        self.title_box.value = str(saved.get("title", ""))
        self.creator_box.value = str(saved.get("creator", ""))
        self.licence = choose_licence(attribution=attribution, commercial=commercial, adaptations=adaptations)
        credit = credit_line(self.licence, title=self.title_box.value, creator=self.creator_box.value)
        self.result.value = licence_html(self.licence, credit)
        self.show_status("Ditt tidigare val är återställt.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.attribution_q.value = rng.random() < 0.9
        self.commercial_q.value = rng.choice([True, False])
        self.adaptations_q.value = rng.choice(ADAPTATIONS)
        self.creator_box.value = "Biblioteket"
        self.choose()
