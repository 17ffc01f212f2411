""""Vem ser mitt inlägg?": a simulator showing who can see a post, depending on where and how it is posted.

The model is deliberately simple and says "kanske" where the answer depends on other people's
settings. Platforms change their settings often; the notebook text tells learners to check in the
service itself, and the simulator teaches the patterns that stay: audience, tags, copies, the platform.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.feedback import Finding, render_findings

PLACES: dict[str, str] = {
    "profil": "Min privata Facebookprofil",
    "sida": "Bibliotekets Facebooksida",
    "grupp-privat": "En privat Facebookgrupp",
    "grupp-offentlig": "En offentlig Facebookgrupp",
    "ig-privat": "Ett privat Instagramkonto",
    "ig-offentligt": "Ett offentligt Instagramkonto, till exempel bibliotekets",
    "kommentar": "En kommentar under ett inlägg på bibliotekets sida",
}

# Audience choices that exist in each place; a single entry means the place decides.
AUDIENCES: dict[str, dict[str, str]] = {
    "profil": {"offentligt": "Offentligt", "vanner": "Vänner", "utvalda": "Utvalda vänner", "bara-jag": "Bara jag"},
    "sida": {"alla": "Bestäms av platsen: sidan är offentlig"},
    "grupp-privat": {"medlemmar": "Bestäms av platsen: gruppens medlemmar"},
    "grupp-offentlig": {"alla": "Bestäms av platsen: gruppen är offentlig"},
    "ig-privat": {"foljare": "Inlägg till godkända följare", "nara": "Berättelse till Nära vänner"},
    "ig-offentligt": {"alla": "Inlägg i flödet", "nara": "Berättelse till Nära vänner"},
    "kommentar": {"alla": "Bestäms av inlägget: sidans inlägg är offentliga"},
}

YES, MAYBE, NO = "ja", "kanske", "nej"
ANSWER_LABELS = {YES: "✓ Ja", MAYBE: "? Kanske", NO: "✗ Nej"}

# The circles, from the closest to the widest.
CIRCLES: dict[str, str] = {
    "du": "Du själv",
    "plattformen": "Meta, företaget som driver Facebook och Instagram",
    "utvalda": "Några få som du har valt ut",
    "krets": "Dina vänner, godkända följare eller gruppens medlemmar",
    "taggade": "Den du taggar – och kanske hens vänner",
    "alla": "Vem som helst, också personer utan konto och sökmotorer",
}
REACH_LABELS = {
    "du": "bara du (och tjänsten själv)",
    "utvalda": "en liten krets som du har valt",
    "krets": "en avgränsad krets",
    "alla": "alla – inlägget är offentligt",
}


@dataclass(frozen=True)
class Visibility:
    circles: dict[str, str]          # circle id -> YES / MAYBE / NO
    reach: str                       # the widest circle that certainly sees the post
    findings: list[Finding]


def default_audience(place: str) -> str:
    return next(iter(AUDIENCES[place]))


def who_sees(place: str, audience: str | None = None, *, tagged: bool = False, shows_people: bool = False,
             location: bool = False) -> Visibility:
    """Who can see a post in `place` with `audience`, and what to think about."""
    if place not in PLACES:
        raise ValueError(f"Unknown place {place!r}; use one of {', '.join(PLACES)}.")
    audience = audience or default_audience(place)
    if audience not in AUDIENCES[place]:
        raise ValueError(f"Audience {audience!r} does not exist for {place!r}.")

    circles = {"du": YES, "plattformen": YES, "utvalda": NO, "krets": NO, "taggade": NO, "alla": NO}
    public = (place in ("sida", "grupp-offentlig", "kommentar")
              or (place == "profil" and audience == "offentligt")
              or (place == "ig-offentligt" and audience == "alla"))
    if public:
        circles.update(utvalda=YES, krets=YES, taggade=YES, alla=YES)
    elif audience in ("utvalda", "nara"):
        circles["utvalda"] = YES
    elif audience in ("vanner", "medlemmar", "foljare"):
        circles.update(utvalda=YES, krets=YES)
    if tagged and not public:
        # A tag notifies the person tagged and may widen the audience, depending on their settings.
        circles["taggade"] = MAYBE
    reach = next(c for c in ("alla", "krets", "utvalda", "du") if circles[c] == YES)

    findings: list[Finding] = []
    if public:
        findings.append(Finding("info", "Inlägget är offentligt. Det kan hittas, delas och citeras av vem som helst, "
                                        "också om flera år."))
    if place == "profil" and audience == "bara-jag":
        findings.append(Finding("bra", "Bara du ser inlägget – men tjänsten sparar det ändå, och du kan ändra "
                                       "målgruppen av misstag senare."))
    if tagged and not public:
        findings.append(Finding("tips", "När du taggar någon får hen veta det, och beroende på hens inställningar "
                                        "kan också hens vänner se inlägget – även om de inte fanns i din målgrupp."))
    if place == "grupp-privat":
        findings.append(Finding("tips", "En privat grupp är bara så privat som dess medlemmar. I stora grupper vet du "
                                        "sällan vilka som läser, och nya medlemmar kan läsa gamla inlägg."))
    if place == "kommentar":
        findings.append(Finding("info", "Din kommentar syns med ditt namn och din profilbild för alla som ser "
                                        "inlägget, och sidans administratörer kan dölja eller ta bort den."))
        findings.append(Finding("tips", "Skriver du privat under bibliotekets inlägg kan du uppfattas som "
                                        "bibliotekets röst. Tänk efter vem du talar som."))
    if place in ("sida", "ig-offentligt"):
        findings.append(Finding("info", "Kommunen eller biblioteket ansvarar för det som publiceras på kontot, och "
                                        "för personuppgifter i inlägg och kommentarer. Kommunens dataskyddsombud "
                                        "ska känna till kontot."))
    if shows_people:
        if place in ("sida", "ig-offentligt", "grupp-offentlig"):
            findings.append(Finding("problem", "Namn och bilder på personer är personuppgifter. Fråga alltid – för "
                                               "barn vårdnadshavaren – innan du publicerar, och spara samtycket "
                                               "enligt kommunens rutin."))
        else:
            findings.append(Finding("tips", "Fråga de som syns eller nämns innan du publicerar – också på ett "
                                            "privat konto. Det de inte vill visa upp bestämmer de själva."))
    if location:
        findings.append(Finding("tips", "En plats berättar både var du är och att du inte är hemma. Lägg gärna upp "
                                        "platsen efteråt, när du har gått därifrån."))
    findings.append(Finding("info", "Den som kan se inlägget kan ta en skärmdump och sprida den vidare. Skriv inget "
                                    "som du inte klarar av att se spridas."))
    return Visibility(circles, reach, findings)


def render_visibility(result: Visibility) -> str:
    table = render_table("Vem kan se inlägget?", ["Vem", "Kan se"],
                         [[escape(CIRCLES[c]), f"<strong>{ANSWER_LABELS[v]}</strong>"] for c, v in result.circles.items()])
    summary = f"<p><strong>Räckvidd: {escape(REACH_LABELS[result.reach])}.</strong></p>"
    return summary + table + render_findings(result.findings, heading="Tänk på")


class AudienceSimulator(AnswerWidget):
    """Pick where and to whom you post; the table shows at once who can see it, and why."""

    kind = "simulator"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        self.place = w.RadioButtons(options=[(label, p) for p, label in PLACES.items()], value="profil",
                                    layout=w.Layout(width="auto"))
        self.audience = w.Dropdown(description="Målgrupp", style={"description_width": "6em"},
                                   layout=w.Layout(width="32em"))
        self.tagged = w.Checkbox(description="Jag taggar en annan person", indent=False)
        self.people = w.Checkbox(description="Andra personer syns eller nämns i inlägget", indent=False)
        self.location = w.Checkbox(description="Inlägget visar var jag är just nu", indent=False)
        self.result = w.HTML()
        self.tried: list[str] = []
        self._restoring = True
        self._set_audiences("profil")
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Vem ser mitt inlägg?</strong> Välj var du publicerar och hur. Tabellen visar direkt "
                   "vem som kan se inlägget. Prova flera olika val.</p><p><em>Var publicerar du?</em></p>"),
            self.place, self.audience, self.tagged, self.people, self.location, self.result, self.status,
        ]
        self.place.observe(self._place_changed, names="value")
        for control in (self.audience, self.tagged, self.people, self.location):
            control.observe(lambda _: self._changed(), names="value")
        saved = self.saved_value
        if isinstance(saved, dict) and saved.get("place") in PLACES:
            self.place.value = saved["place"]
            self._set_audiences(saved["place"])
            if saved.get("audience") in AUDIENCES[saved["place"]]:
                self.audience.value = saved["audience"]
            self.tagged.value = bool(saved.get("tagged"))
            self.people.value = bool(saved.get("people"))
            self.location.value = bool(saved.get("location"))
            self.tried = [t for t in saved.get("tried", []) if isinstance(t, str)]
            self.show_status("Dina tidigare val är återställda.")
        self._restoring = False
        self.result.value = render_visibility(self.visibility())

    def _set_audiences(self, place: str) -> None:
        options = AUDIENCES[place]
        self.audience.options = [(label, a) for a, label in options.items()]
        self.audience.value = next(iter(options))
        self.audience.disabled = len(options) == 1

    def _place_changed(self, change) -> None:
        was_restoring, self._restoring = self._restoring, True
        self._set_audiences(change["new"])
        self._restoring = was_restoring
        self._changed()

    def visibility(self) -> Visibility:
        return who_sees(self.place.value, self.audience.value, tagged=self.tagged.value,
                        shows_people=self.people.value, location=self.location.value)

    def _changed(self) -> None:
        if self._restoring:
            return
        result = self.visibility()
        self.result.value = render_visibility(result)
        scenario = f"{self.place.value}/{self.audience.value}"
        if scenario not in self.tried:
            self.tried.append(scenario)
        self.save({"place": self.place.value, "audience": self.audience.value, "tagged": self.tagged.value,
                   "people": self.people.value, "location": self.location.value, "reach": result.reach,
                   "tried": self.tried})

    def choose(self, place: str, audience: str | None = None, *, tagged: bool = False, people: bool = False,
               location: bool = False) -> Visibility:
        """Set every control at once (used by tests and the demo cohort)."""
        self.place.value = place
        if audience is not None:
            self.audience.value = audience
        self.tagged.value, self.people.value, self.location.value = tagged, people, location
        self._changed()
        return self.visibility()

    def simulate(self, rng, learner: dict | None = None) -> None:
        for place in rng.sample(list(PLACES), k=3):
            self.choose(place, rng.choice(list(AUDIENCES[place])), tagged=rng.random() < 0.5)
