"""A channel strategy planner: goals, channels and conditions in; a one-page plan and an honest assessment out.

The assessment weighs the plan against what the course teaches: few living channels rather than many,
dialogue rather than broadcasting, and the conditions that make it last (time, the manager's support,
staff who use the tools themselves).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape

PLAN_FILE = "kanalstrategi.md"
GOALS = {
    "synlighet": "Synlighet – visa vad biblioteket gör och varför",
    "kunskap": "Kunskapsdelning – dela det vi kan, så att fler har nytta av det",
    "dialog": "Marknadsföring med dialog – nå fler och samtala med dem",
    "omvarld": "Nätverk och omvärldsbevakning – lära av och med andra",
}
# Rough minutes to make one post, so the plan can be held against the time set aside.
CHANNELS = {
    "facebook": ("Facebook", 20),
    "instagram": ("Instagram", 30),
    "tiktok": ("TikTok eller andra korta filmer", 60),
    "fediverse": ("Mastodon eller Bluesky", 10),
    "linkedin": ("LinkedIn", 20),
    "blogg": ("Blogg eller nyheter på webbplatsen", 60),
    "nyhetsbrev": ("Nyhetsbrev", 90),
    "podd": ("Podd", 240),
}
# Channels with room for longer texts and for colleagues in the field.
SHARING_CHANNELS = {"blogg", "linkedin", "podd", "nyhetsbrev", "fediverse"}
NETWORK_CHANNELS = {"fediverse", "linkedin"}
FREQUENCIES = {0.25: "en gång i månaden", 0.5: "varannan vecka", 1.0: "en gång i veckan", 2.0: "två gånger i veckan",
               3.0: "tre gånger i veckan", 5.0: "varje arbetsdag"}
REPLY_MINUTES_PER_CHANNEL = 15  # a week's answering of comments and messages in one channel
RESPONSES = {"samma": "samma arbetsdag", "tva": "inom två arbetsdagar", "ingen": "vi har ingen plan än"}
DIALOGUE = {"fa": "nästan inga – mest information om vad som händer", "fjardedel": "ungefär vart fjärde",
            "halften": "ungefär hälften", "flesta": "de flesta"}
MANY_CHANNELS = 4
SAMPLE_OWNERS = ("Anna", "Bertil", "Cecilia", "David", "Elin", "Fatima")


class StrategyError(ValueError):
    """The plan lacks something it cannot do without; the message is Swedish."""


@dataclass(frozen=True)
class ChannelPlan:
    channel: str
    per_week: float
    owner: str = ""

    @property
    def minutes(self) -> float:
        return self.per_week * CHANNELS[self.channel][1] + REPLY_MINUTES_PER_CHANNEL


@dataclass(frozen=True)
class Strategy:
    goals: tuple[str, ...]
    audience: str
    channels: tuple[ChannelPlan, ...]
    hours: float
    manager: bool
    learning: bool
    response: str
    dialogue: str

    @property
    def weekly_minutes(self) -> int:
        return round(sum(c.minutes for c in self.channels))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["goals"], data["channels"] = list(self.goals), [asdict(c) for c in self.channels]
        return data


def make_strategy(*, goals, audience, channels, hours, manager, learning, response, dialogue) -> Strategy:
    """A checked Strategy; raises StrategyError for what a plan cannot do without."""
    goals = tuple(g for g in GOALS if g in set(goals))
    if not goals:
        raise StrategyError("Välj minst ett mål – varför ska biblioteket finnas i sociala medier?")
    if not channels:
        raise StrategyError("Välj minst en kanal.")
    for plan in channels:
        if plan.channel not in CHANNELS or plan.per_week not in FREQUENCIES:
            raise StrategyError("Någon kanal har ett val som planeraren inte känner igen. Välj om den.")
    if response not in RESPONSES or dialogue not in DIALOGUE:
        raise StrategyError("Svara på frågorna om dialog.")
    if not 0 <= hours <= 40:
        raise StrategyError("Skriv hur många timmar i veckan ni har avsatt, mellan 0 och 40.")
    return Strategy(goals, " ".join(audience.split()), tuple(channels), float(hours), bool(manager), bool(learning),
                    response, dialogue)


def hours_text(minutes: float) -> str:
    """Hours with one decimal, Swedish style and without a trailing ",0" (90 → "1,5", 120 → "2")."""
    text = f"{minutes / 60:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def assess(strategy: Strategy) -> list[str]:
    """Symbol-and-word findings on the plan, worst news first within each theme."""
    findings = []
    needed, available = strategy.weekly_minutes, strategy.hours * 60
    if needed > available:
        findings.append(f"⚠ Planen kräver ungefär {hours_text(needed)} timmar i veckan, men ni har avsatt "
                        f"{hours_text(available)}. Välj färre kanaler, publicera glesare eller be om mer tid.")
    else:
        findings.append(f"✓ Planen kräver ungefär {hours_text(needed)} timmar i veckan och ryms i de "
                        f"{hours_text(available)} timmar ni har avsatt.")
    if len(strategy.channels) > MANY_CHANNELS:
        findings.append(f"⚠ {len(strategy.channels)} kanaler är många. Hellre några få som lever än många som "
                        "står still.")
    nameless = [CHANNELS[c.channel][0] for c in strategy.channels if not c.owner]
    if nameless:
        findings.append(f"⚠ Ingen är ansvarig för: {', '.join(nameless)}. Det som är allas ansvar blir lätt ingens.")
    if strategy.response == "ingen":
        findings.append("⚠ Ni har ingen plan för att svara på kommentarer och meddelanden. Dialog kräver att någon "
                        "svarar, och att frågor inte blir liggande över helgen.")
    else:
        findings.append(f"✓ Ni svarar {RESPONSES[strategy.response]}.")
    if strategy.dialogue == "fa":
        findings.append("⚠ Nästan inga inlägg bjuder in till samtal. Då blir kanalen en anslagstavla, och den som "
                        "bara får reklam slutar lyssna. Ställ frågor, be om tips och berätta vad ni gjorde med dem.")
    else:
        findings.append(f"✓ {DIALOGUE[strategy.dialogue].capitalize()} av inläggen bjuder in till samtal.")
    chosen = {c.channel for c in strategy.channels}
    if "kunskap" in strategy.goals and not chosen & SHARING_CHANNELS:
        findings.append("ℹ Kunskapsdelning behöver plats för lite längre texter, till exempel en blogg, LinkedIn, "
                        "en podd eller ett nyhetsbrev.")
    if "omvarld" in strategy.goals and not chosen & NETWORK_CHANNELS:
        findings.append("ℹ Kollegorna i biblioteksvärlden finns ofta på LinkedIn, Mastodon och Bluesky.")
    if not strategy.manager:
        findings.append("⚠ Chefen har inte sagt ja ännu. Utan chefens stöd och avsatt tid brukar arbetet bli något "
                        "man gör i smyg, och då håller det inte.")
    if not strategy.learning:
        findings.append("⚠ Den som själv använder verktygen för att lära sig, hålla kontakt och reflektera förstår "
                        "kanalerna bäst. Ge personalen tid till det också.")
    if not strategy.audience:
        findings.append("ℹ Skriv vilka ni vill nå. Det är lättare att välja kanaler och ton när målgruppen är tydlig.")
    return findings


def strategy_markdown(strategy: Strategy) -> str:
    """The plan on one page, in Markdown, to print or paste into the library's own documents."""
    lines = ["# Bibliotekets kanalstrategi", "", "## Mål", ""]
    lines += [f"- {GOALS[g]}" for g in strategy.goals]
    lines += ["", "## Vilka vi vill nå", "", strategy.audience or "(inte bestämt än)", "", "## Kanaler", "",
              "| Kanal | Hur ofta | Ansvarig | Minuter i veckan |", "|---|---|---|---|"]
    for plan in strategy.channels:
        lines.append(f"| {CHANNELS[plan.channel][0]} | {FREQUENCIES[plan.per_week]} | {plan.owner or '(ingen än)'} "
                     f"| {round(plan.minutes)} |")
    lines += ["", "## Dialog", "", f"- Vi svarar på kommentarer och meddelanden: {RESPONSES[strategy.response]}.",
              f"- Inlägg som bjuder in till samtal: {DIALOGUE[strategy.dialogue]}.", "",
              "## Förutsättningar", "", f"- Avsatt tid: {hours_text(strategy.hours * 60)} timmar i veckan.",
              f"- Chefens stöd: {'ja' if strategy.manager else 'inte ännu'}.",
              f"- Tid för personalens eget lärande i kanalerna: {'ja' if strategy.learning else 'inte ännu'}.", "",
              "## Bedömning", ""]
    lines += [f"- {finding}" for finding in assess(strategy)]
    return "\n".join(lines) + "\n"


def strategy_html(strategy: Strategy) -> str:
    goals = "".join(f"<li>{escape(GOALS[g])}</li>" for g in strategy.goals)
    table = render_table("Kanaler", ["Kanal", "Hur ofta", "Ansvarig", "Minuter i veckan"],
                         [[escape(CHANNELS[c.channel][0]), escape(FREQUENCIES[c.per_week]),
                           escape(c.owner or "(ingen än)"), str(round(c.minutes))] for c in strategy.channels],
                         css_class="ensak-kanaler")
    findings = "".join(f"<li>{escape(f)}</li>" for f in assess(strategy))
    return (
        '<div class="ensak-feedback" role="status"><h3>Er kanalstrategi på en sida</h3>'
        f"<p><strong>Mål:</strong></p><ul>{goals}</ul>"
        f"<p><strong>Vilka ni vill nå:</strong> {escape(strategy.audience or '(inte bestämt än)')}</p>"
        f"{table}"
        f"<p><strong>Bedömning:</strong></p><ul>{findings}</ul></div>"
    )


class ChannelStrategyPlanner(AnswerWidget):
    """Goals, audience, channels with frequency and owner, and the conditions; the plan is judged and written."""

    kind = "planner"

    def __init__(self, key: str, *, store: AnswerStore | None = None, filename: str = PLAN_FILE):
        self.filename = filename
        self.strategy: Strategy | None = None
        self.goal_boxes = {g: w.Checkbox(description=t, indent=False, layout=w.Layout(width="auto"))
                           for g, t in GOALS.items()}
        self.audience_box = w.Text(placeholder="till exempel småbarnsföräldrar och förskolor i kommunen",
                                   layout=w.Layout(width="100%"))
        self.channel_rows: dict[str, tuple[w.Checkbox, w.Dropdown, w.Text]] = {}
        for channel, (label, _) in CHANNELS.items():
            use = w.Checkbox(description=label, indent=False, layout=w.Layout(width="18em"))
            often = w.Dropdown(options=[(t, f) for f, t in FREQUENCIES.items()], value=1.0,
                               layout=w.Layout(width="13em"))
            owner = w.Text(placeholder="ansvarig", layout=w.Layout(width="12em"))
            self.channel_rows[channel] = (use, often, owner)
        self.hours_box = w.BoundedFloatText(value=2, min=0, max=40, step=0.5, description="Timmar i veckan",
                                            style={"description_width": "10em"})
        self.manager_box = w.Checkbox(description="Chefen har sagt ja till tiden och stöttar arbetet", indent=False,
                                      layout=w.Layout(width="auto"))
        self.learning_box = w.Checkbox(description="Personalen får tid att använda kanalerna för sitt eget lärande",
                                       indent=False, layout=w.Layout(width="auto"))
        self.response_choice = w.Dropdown(options=[(t, k) for k, t in RESPONSES.items()], value=None,
                                          layout=w.Layout(width="auto"))
        self.dialogue_choice = w.Dropdown(options=[(t, k) for k, t in DIALOGUE.items()], value=None,
                                          layout=w.Layout(width="auto"))
        self.make_button = w.Button(description="Gör planen", button_style="primary", icon="check",
                                    layout=w.Layout(width="auto"))
        self.make_button.on_click(lambda _: self.make())
        self.result = w.HTML()
        super().__init__(key, store=store)
        rows = [w.HBox(list(row)) for row in self.channel_rows.values()]
        self.children = [
            w.HTML("<p><strong>1. Varför ska biblioteket finnas i sociala medier?</strong> Välj ett eller flera mål.</p>"),
            *self.goal_boxes.values(),
            w.HTML("<p><strong>2. Vilka vill ni nå?</strong></p>"), self.audience_box,
            w.HTML("<p><strong>3. Vilka kanaler, hur ofta och vem ansvarar?</strong> Kryssa i de kanaler ni vill använda.</p>"),
            *rows,
            w.HTML("<p><strong>4. Dialog.</strong> Hur snabbt svarar ni på kommentarer och meddelanden?</p>"),
            self.response_choice,
            w.HTML("<p>Hur många av inläggen bjuder in till samtal, till exempel med en fråga?</p>"),
            self.dialogue_choice,
            w.HTML("<p><strong>5. Förutsättningar.</strong> Hur mycket tid har ni avsatt, och vad finns på plats?</p>"),
            self.hours_box, self.manager_box, self.learning_box,
            self.make_button, self.result, self.status,
        ]
        self._restore()

    @property
    def path(self) -> Path:
        return self.store.path.parent / self.filename

    def _channels(self) -> list[ChannelPlan]:
        return [ChannelPlan(channel, often.value, " ".join(owner.value.split()))
                for channel, (use, often, owner) in self.channel_rows.items() if use.value]

    def make(self) -> Strategy | None:
        try:
            strategy = make_strategy(
                goals=[g for g, box in self.goal_boxes.items() if box.value], audience=self.audience_box.value,
                channels=self._channels(), hours=self.hours_box.value, manager=self.manager_box.value,
                learning=self.learning_box.value, response=self.response_choice.value,
                dialogue=self.dialogue_choice.value)
        except StrategyError as problem:
            self.result.value = f'<p class="ensak-feedback" role="alert">⚠ {escape(str(problem))}</p>'
            return None
        self.strategy = strategy
        try:
            self.path.write_text(strategy_markdown(strategy), encoding="utf-8")
        except OSError as exc:
            self.show_status(f"Planen kunde inte sparas som fil ({exc.strerror or exc}).", problem=True)
            return None
        self.result.value = strategy_html(strategy) + self._file_note()
        self.save({**strategy.as_dict(), "minutes": strategy.weekly_minutes, "assessment": assess(strategy),
                   "file": self.filename})
        return strategy

    def _file_note(self) -> str:
        return (f"<p>✓ Planen finns också som fil, <code>{escape(self.filename)}</code>, i samma mapp som uppgiften. "
                "Ladda ned den, skriv ut den eller klistra in den i bibliotekets egna dokument.</p>")

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict):
            return
        try:
            channels = [ChannelPlan(c["channel"], float(c["per_week"]), str(c.get("owner", "")))
                        for c in saved["channels"]]
            strategy = make_strategy(goals=saved["goals"], audience=str(saved.get("audience", "")), channels=channels,
                                     hours=float(saved["hours"]), manager=saved.get("manager") is True,
                                     learning=saved.get("learning") is True, response=saved["response"],
                                     dialogue=saved["dialogue"])
        except (KeyError, TypeError, ValueError):
            return  # StrategyError is a ValueError: an answer that no longer makes a plan is left behind
        for goal, box in self.goal_boxes.items():
            box.value = goal in strategy.goals
        self.audience_box.value = strategy.audience
        for plan in strategy.channels:
            use, often, owner = self.channel_rows[plan.channel]
            use.value, often.value, owner.value = True, plan.per_week, plan.owner
        self.hours_box.value = strategy.hours
        self.manager_box.value, self.learning_box.value = strategy.manager, strategy.learning
        self.response_choice.value, self.dialogue_choice.value = strategy.response, strategy.dialogue
        self.strategy = strategy
        self.result.value = strategy_html(strategy)
        self.show_status("Din tidigare plan är återställd.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        for goal in rng.sample(list(GOALS), rng.randint(1, 3)):
            self.goal_boxes[goal].value = True
        self.audience_box.value = rng.choice(["Småbarnsföräldrar", "Unga vuxna i kommunen", "Kollegor i regionen"])
        for channel in rng.sample(list(CHANNELS), rng.randint(1, 4)):
            use, often, owner = self.channel_rows[channel]
            use.value, often.value = True, rng.choice([0.5, 1.0, 2.0])
            owner.value = rng.choice(SAMPLE_OWNERS) if rng.random() < 0.8 else ""
        self.hours_box.value = rng.choice([1, 2, 3, 4])
        self.manager_box.value, self.learning_box.value = rng.random() < 0.7, rng.random() < 0.6
        self.response_choice.value = rng.choice(list(RESPONSES))
        self.dialogue_choice.value = rng.choice(list(DIALOGUE))
        self.make()
