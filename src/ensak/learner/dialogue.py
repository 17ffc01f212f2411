"""Dialogue in social media: a post checker that tells broadcasting from invitation, and a comment
simulator where the learner answers realistic comments (a complaint, a troll, a threat, a question,
praise) and sees what each reply is likely to lead to.

The post checker counts visible signals; it cannot judge tone, and its feedback says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import ipywidgets as w

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.feedback import Finding, render_findings
from ensak.swedish import count_noun

INVITATIONS = ("tipsa oss", "tipsa gärna", "berätta", "vad tycker", "vad läser", "vilken", "vilka", "vem av",
               "dela med dig", "kommentera", "skriv i kommentar", "svara", "rösta", "gissa", "hjälp oss",
               "vi vill höra", "vi vill veta", "fråga oss", "hör av dig", "föreslå", "önska")
SALES_PHRASES = ("missa inte", "passa på", "boka nu", "köp", "erbjudande", "kampanj", "bästa", "unik",
                 "fantastisk", "sista chansen", "skynda", "klicka på länken", "följ oss", "gilla och dela")
READER_WORDS = {"du", "dig", "din", "ditt", "dina", "ni", "er", "ert", "era"}
SENDER_WORDS = {"vi", "oss", "vår", "vårt", "våra"}
HASHTAG = re.compile(r"#\w+")
URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé]+")
MANY_HASHTAGS = 5

VERDICTS = {
    "dialog": "Bjuder in till dialog",
    "information": "Information – tydlig, men bjuder inte in till samtal",
    "marknadsforing": "Mest marknadsföring i en riktning",
}


@dataclass(frozen=True)
class PostReview:
    dialogue: int
    broadcast: int
    verdict: str
    findings: list[Finding]


def _found(text: str, phrases: Sequence[str], *, whole_words: bool = False) -> list[str]:
    end = r"\b" if whole_words else ""
    return [p for p in phrases if re.search(rf"\b{re.escape(p)}{end}", text)]


def review_post(text: str) -> PostReview:
    """Count the signals of dialogue and of one-way marketing in a social-media post, and explain them."""
    lower = text.lower()
    words = [w_.lower() for w_ in WORD.findall(URL.sub(" ", text))]
    if not words:
        return PostReview(0, 0, "information", [Finding("problem", "Inlägget är tomt. Skriv eller klistra in ett "
                                                                   "inlägg att granska.")])
    findings: list[Finding] = []
    dialogue = broadcast = 0

    questions = len(re.findall(r"\?", text))
    if questions:
        dialogue += 2
        findings.append(Finding("bra", f"Inlägget ställer {count_noun(questions, 'fråga', 'frågor')} – en fråga är den "
                                       "enklaste inbjudan till ett svar."))
    invitations = _found(lower, INVITATIONS)
    if invitations:
        dialogue += 2
        findings.append(Finding("bra", f"Inlägget bjuder in läsaren: ”{invitations[0]}”."))
    reader = sorted(READER_WORDS & set(words))
    if reader:
        dialogue += 1
        findings.append(Finding("bra", f"Inlägget talar till läsaren (”{reader[0]}”), inte bara om biblioteket."))
    if re.search(r"(^|\s)/\s*[A-ZÅÄÖ][a-zåäö]+|hälsar [A-ZÅÄÖ]|\bjag\b", text):
        dialogue += 1
        findings.append(Finding("bra", "Inlägget har en personlig avsändare. Det är lättare att svara en "
                                       "människa än en institution."))

    sales = _found(lower, SALES_PHRASES, whole_words=True)  # "köp" is sales talk, "köpt in" is news
    if sales:
        broadcast += len(sales)
        listed = ", ".join(f"”{s}”" for s in sales[:3])
        findings.append(Finding("tips", f"Säljande uttryck som {listed} får inlägget att låta som reklam. Biblioteket "
                                        "har inget att sälja – berätta hellre vad läsaren får."))
    exclamations = text.count("!")
    if exclamations >= 2:
        broadcast += 2 if exclamations >= 4 else 1
        findings.append(Finding("tips", f"{count_noun(exclamations, 'utropstecken', 'utropstecken')} gör att det "
                                        "låter som att biblioteket ropar. Ett räcker."))
    shouting = [w_ for w_ in WORD.findall(text) if len(w_) >= 4 and w_.isupper()]
    if shouting:
        broadcast += 1
        findings.append(Finding("tips", f"Ord med bara versaler, som ”{shouting[0]}”, läses som skrik."))
    tags = HASHTAG.findall(text)
    if len(tags) > MANY_HASHTAGS:
        broadcast += 1
        findings.append(Finding("tips", f"{len(tags)} hashtaggar är många. Ett par träffsäkra räcker och gör "
                                        "texten lättare att läsa – också med skärmläsare."))
    if SENDER_WORDS & set(words) and not reader:
        broadcast += 1
        findings.append(Finding("tips", "Inlägget talar bara om ”vi” och ”oss”. Vänd på det: vad betyder det för "
                                        "läsaren?"))
    if URL.search(text) and len(words) < 12:
        broadcast += 1
        findings.append(Finding("tips", "Mest en länk och få ord. Berätta kort varför länken är värd ett klick."))

    if dialogue >= 3 and dialogue > broadcast:
        verdict = "dialog"
    elif broadcast >= 2 and broadcast > dialogue:
        verdict = "marknadsforing"
    else:
        verdict = "information"
    if verdict != "dialog":
        findings.append(Finding("tips", "Vill du ha svar: avsluta med en fråga som är lätt att svara på, till "
                                        "exempel ”Vilken bok läste du senast i sommar?”."))
    findings.append(Finding("info", "Alla inlägg behöver inte vara samtal – öppettider är information och ska vara "
                                    "det. Men den som ställer en fråga måste också finnas där och svara. Granskaren "
                                    "räknar bara synliga tecken; tonen måste du själv bedöma."))
    return PostReview(dialogue, broadcast, verdict, findings)


EXAMPLE_POSTS = {
    "reklam": "MISSA INTE!!! Passa på att låna våra fantastiska nya böcker – vi har de bästa titlarna! "
              "#bibliotek #böcker #läsning #boktips #nyheter #kultur #sommar",
    "dialog": "Sommarlovet närmar sig och vi packar bokvagnen med lättlästa äventyr. Vilken bok läste du själv "
              "som barn och aldrig glömde? Tipsa oss i kommentarerna! /Anna på barnavdelningen",
}


class PostChecker(AnswerWidget):
    """Paste a post; the checker says whether it invites dialogue or only broadcasts, and why."""

    kind = "checker"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        self.box = w.Textarea(placeholder="Skriv eller klistra in ett inlägg, till exempel från bibliotekets "
                                          "Facebooksida eller Instagram.",
                              layout=w.Layout(width="100%", height="8em"))
        self.check_button = w.Button(description="Granska inlägget", button_style="primary", icon="comments")
        self.examples = {name: w.Button(description=f"Exempel: {name}") for name in EXAMPLE_POSTS}
        for name, button in self.examples.items():
            button.on_click(lambda _, n=name: self.load_example(n))
        self.result = w.HTML()
        self.check_button.on_click(lambda _: self.check())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Marknadsföring eller dialog?</strong> Klistra in ett inlägg och tryck på "
                   "<em>Granska inlägget</em>. Prova gärna exemplen först.</p>"),
            self.box, w.HBox([self.check_button, *self.examples.values()]), self.result, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and isinstance(saved.get("text"), str):
            self.box.value = saved["text"]
            self.result.value = self.render(review_post(saved["text"]))
            self.show_status("Ditt tidigare inlägg och granskningen är återställda.")

    def load_example(self, name: str) -> None:
        self.box.value = EXAMPLE_POSTS[name]
        self.result.value = "<p>ℹ Exemplet är ifyllt. Tryck på <em>Granska inlägget</em>.</p>"

    @staticmethod
    def render(review: PostReview) -> str:
        heading = (f"Bedömning: {VERDICTS[review.verdict]}. Tecken på dialog: {review.dialogue}; "
                   f"tecken på envägsmarknadsföring: {review.broadcast}.")
        return render_findings(review.findings, heading=heading)

    def check(self) -> PostReview:
        review = review_post(self.box.value)
        self.result.value = self.render(review)
        if self.box.value.strip():
            self.save({"text": self.box.value, "verdict": review.verdict, "dialogue": review.dialogue,
                       "broadcast": review.broadcast})
        return review

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.load_example(rng.choice(list(EXAMPLE_POSTS)))
        self.check()


# --- Comment simulator ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply:
    text: str
    quality: str          # "bra", "kanske" or "daligt"
    outcome: str          # what is likely to happen next, and why


@dataclass(frozen=True)
class Scenario:
    id: str
    who: str
    comment: str
    replies: tuple[Reply, ...]

    @property
    def best(self) -> int:
        return next(i for i, r in enumerate(self.replies) if r.quality == "bra")


QUALITY_LABELS = {"bra": "✓ Bra val", "kanske": "➜ Kan fungera, men", "daligt": "✗ Inte bra"}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("klagomal", "Låntagare, på bibliotekets Facebooksida",
             "Tredje gången i år som min reservation bara försvinner. Vad håller ni på med egentligen?!", (
        Reply("Ta bort kommentaren – den ger en dålig bild av biblioteket.", "daligt",
              "Kritik som raderas brukar komma tillbaka, argare och någon annanstans. Andra har kanske redan sett "
              "den och undrar varför den försvann. Kommentarer till en kommunal sida kan dessutom vara allmänna "
              "handlingar som ska sparas enligt kommunens regler."),
        Reply("Svara snabbt och vänligt, beklaga krånglet och be personen ringa eller skicka ett meddelande så att "
              "ni kan titta på reservationen tillsammans.", "bra",
              "Alla som läser ser att biblioteket tar kritik på allvar. Personuppgifterna hanteras utanför det "
              "offentliga kommentarsfältet, och låntagaren får hjälp."),
        Reply("Förklara i kommentaren att systemet visar att låntagaren inte hämtade boken i tid.", "daligt",
              "Uppgifter om vad en låntagare har lånat eller reserverat omfattas av sekretess enligt offentlighets- "
              "och sekretesslagen. Du lämnar ut dem inför alla – och gör en kund till förlorare offentligt."),
    )),
    Scenario("troll", "Okänd profil, under ett inlägg om sagostunden",
             "Bibliotek är bortkastade skattepengar. Lägg ner, ingen läser böcker längre.", (
        Reply("Svara en gång, lugnt och sakligt, till exempel med hur många som besökte biblioteket i fjol – och låt "
              "det sedan vara.", "bra",
              "De som läser tråden ser ett lugnt och sakligt svar. Mer behövs inte: en lång diskussion ger bara "
              "tråden mer syre, och en del vill just ha en reaktion."),
        Reply("Ge igen med lite ironi – det visar att biblioteket har humor.", "daligt",
              "Ironi läses lätt som hån, och plötsligt är det biblioteket som ser otrevligt ut. Skärmdumpen kan "
              "spridas långt utanför sidan."),
        Reply("Blockera personen direkt.", "kanske",
              "En skarp åsikt är inte förbjuden, och en kommun ska behandla alla lika. Dölj eller blockera när "
              "någon bryter mot de kommentarsregler ni har publicerat på sidan – och följ reglerna likadant för alla."),
    )),
    Scenario("hot", "Profil utan bild, under ett inlägg om ett författarbesök",
             "(En kommentar med grova hot mot en namngiven kollega.)", (
        Reply("Spara en skärmdump, dölj eller ta bort kommentaren, berätta för chefen och polisanmäl hotet.", "bra",
              "Rätt ordning: dokumentera först, ta sedan bort. Olaga hot och hets mot folkgrupp ska inte ligga kvar – "
              "lagen om ansvar för elektroniska anslagstavlor (1998:112) kan kräva att den som driver sidan tar "
              "bort sådant. Och kollegans trygghet går först."),
        Reply("Svara offentligt och be personen skärpa sig.", "kanske",
              "Ett svar ger hotet mer spridning, och kommentaren ligger kvar. Ta bort den och hantera hotet utanför "
              "sidan."),
        Reply("Låt den stå – yttrandefriheten gäller alla.", "daligt",
              "Yttrandefriheten skyddar inte olaga hot. Att låta hotet stå kan skada kollegan och få andra att "
              "sluta kommentera."),
    )),
    Scenario("fraga", "Låntagare, på Instagram",
             "Har ni öppet på annandag påsk?", (
        Reply("Svara inte – öppettiderna finns på webbplatsen.", "daligt",
              "Den som frågar i kommentarerna räknar med svar där. En obesvarad fråga syns för alla och ser ut som "
              "ointresse."),
        Reply("Svara: ”Se vår webbplats!”", "kanske",
              "Bättre än inget, men personen måste leta själv. Ett kort svar och en länk tar tio sekunder."),
        Reply("Svara direkt med tiderna och tipsa om var alla helgtider finns.", "bra",
              "Frågan är besvarad för alla som undrar samma sak, och ni visar att det går att fråga er här."),
    )),
    Scenario("berom", "Låntagare, på bibliotekets Facebooksida",
             "Tack för deckartipset förra veckan! Har ni fler i samma stil?", (
        Reply("Gilla kommentaren.", "kanske",
              "Vänligt, men personen ställde en fråga. Här fanns ett samtal att ta vara på."),
        Reply("Svara med två nya tips och fråga vilka andra författare personen gillar.", "bra",
              "Det här är dialog: ni svarar, ger något och bjuder in till mer. Andra följare hänger ofta på med "
              "egna tips."),
        Reply("Inget – beröm behöver inte besvaras.", "daligt",
              "Frågan blir hängande, och den som gav beröm känner sig osedd. Nästa gång kanske hen inte skriver."),
    )),
)


class CommentSimulator(AnswerWidget):
    """One comment at a time: choose a reply, see what it is likely to lead to, go on to the next."""

    kind = "simulator"

    def __init__(self, key: str, *, store: AnswerStore | None = None,
                 scenarios: Sequence[Scenario] = SCENARIOS):
        if not scenarios:
            raise ValueError(f"Comment simulator {key!r} needs at least one scenario.")
        self.scenarios = tuple(scenarios)
        self.position = 0
        self.choices: dict[str, int] = {}
        self.card = w.HTML()
        self.replies = w.RadioButtons(options=[], value=None, layout=w.Layout(width="auto"))
        self.reply_button = w.Button(description="Svara så här", button_style="primary", icon="reply")
        self.next_button = w.Button(description="Nästa kommentar", icon="arrow-right")
        self.restart_button = w.Button(description="Börja från början", icon="undo")
        self.outcome = w.HTML()
        self.summary = w.HTML()
        self.reply_button.on_click(lambda _: self.reply())
        self.next_button.on_click(lambda _: self.next())
        self.restart_button.on_click(lambda _: self.restart())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Svara på kommentarerna.</strong> Du sköter bibliotekets konto i dag. Välj hur du "
                   "svarar på varje kommentar och se vad som troligen händer sedan.</p>"),
            self.card, self.replies, w.HBox([self.reply_button, self.next_button, self.restart_button]), self.outcome, self.summary,
            self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and isinstance(saved.get("choices"), dict):
            known = {s.id: s for s in self.scenarios}
            self.choices = {k: v for k, v in saved["choices"].items()
                            if k in known and isinstance(v, int) and 0 <= v < len(known[k].replies)}
            unanswered = [i for i, s in enumerate(self.scenarios) if s.id not in self.choices]
            self.position = unanswered[0] if unanswered else len(self.scenarios) - 1
            self.show_status("Dina tidigare svar är återställda.")
        self._show_scenario()

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.position]

    @property
    def best_count(self) -> int:
        return sum(1 for s in self.scenarios if self.choices.get(s.id) == s.best)

    def _show_scenario(self) -> None:
        scenario = self.scenario
        self.card.value = (f'<div class="ensak-comment" style="border:1px solid #888;padding:0.5em 1em">'
                           f"<p><em>Kommentar {self.position + 1} av {len(self.scenarios)} – "
                           f"{escape(scenario.who)}:</em></p><p>{escape(scenario.comment)}</p></div>")
        self.replies.options = [r.text for r in scenario.replies]
        chosen = self.choices.get(scenario.id)
        self.replies.index = chosen
        self.outcome.value = self._render_outcome(scenario, chosen) if chosen is not None else ""
        self.next_button.disabled = chosen is None or self.position == len(self.scenarios) - 1
        self._show_summary()

    @staticmethod
    def _render_outcome(scenario: Scenario, chosen: int) -> str:
        reply = scenario.replies[chosen]
        best = "" if reply.quality == "bra" else (
            f"<p><strong>Det bästa svaret:</strong> {escape(scenario.replies[scenario.best].text)}</p>")
        return (f'<div class="ensak-feedback" role="status"><p><strong>{QUALITY_LABELS[reply.quality]}.</strong> '
                f"{escape(reply.outcome)}</p>{best}</div>")

    def _show_summary(self) -> None:
        answered = len(self.choices)
        if answered == len(self.scenarios):
            self.summary.value = (f"<p><strong>Klart: du har svarat på alla {answered} kommentarer och valde det "
                                  f"bästa svaret i {self.best_count} av dem.</strong> Vill du prova andra svar: tryck "
                                  "på <em>Börja från början</em>.</p>")
        else:
            self.summary.value = f"<p>Besvarade: {answered} av {len(self.scenarios)}.</p>"

    def reply(self) -> None:
        if self.replies.index is None:
            self.outcome.value = "<p>⚠ Välj först ett svar och tryck sedan på knappen.</p>"
            return
        scenario = self.scenario
        self.choices[scenario.id] = self.replies.index
        self.outcome.value = self._render_outcome(scenario, self.replies.index)
        self.next_button.disabled = self.position == len(self.scenarios) - 1
        self._show_summary()
        self.save({"choices": dict(self.choices), "best": self.best_count, "answered": len(self.choices),
                   "total": len(self.scenarios)})

    def next(self) -> None:
        if self.position < len(self.scenarios) - 1:
            self.position += 1
            self._show_scenario()

    def restart(self) -> None:
        self.position = 0
        self._show_scenario()

    def answer_all(self, picks: Sequence[int]) -> None:
        """Reply to every comment in order (used by tests and the demo cohort)."""
        self.position = 0
        self._show_scenario()
        for i, pick in enumerate(picks):
            self.replies.index = pick
            self.reply()
            if i < len(picks) - 1:
                self.next()

    def simulate(self, rng, learner: dict | None = None) -> None:
        skill = (learner or {}).get("skill", 0.8)
        self.answer_all([s.best if rng.random() < skill else rng.randrange(len(s.replies)) for s in self.scenarios])
