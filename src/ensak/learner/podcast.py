"""A podcast episode planner: segments in, a running order with times and a draft episode description out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape

# Within this share of the target length an episode counts as on time.
TOLERANCE = 0.1
SEGMENT_LINE = re.compile(r"^(?P<name>.*?)[\s,;:–-]+(?P<minutes>\d+(?:[.,]\d+)?)\s*(?:min(?:uter)?\.?)?$",
                          re.IGNORECASE)
SAMPLE_SEGMENTS = ("Vinjett, 0.5", "Välkommen och veckans ämne, 2", "Boktips från personalen, 8",
                   "Samtal med veckans gäst, 12", "Frågor från lyssnarna, 4", "Avslutning och nästa avsnitt, 1")


class EpisodeError(ValueError):
    """The plan cannot be read; the message is Swedish and names the line to fix."""


@dataclass(frozen=True)
class Segment:
    name: str
    minutes: float
    start: float  # minutes from the start of the episode


def parse_segments(text: str) -> list[Segment]:
    """One segment a line, "name, minutes"; start times follow from the order."""
    segments: list[Segment] = []
    start = 0.0
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = SEGMENT_LINE.match(line)
        if not match or not match.group("name").strip():
            raise EpisodeError(f"Rad {number} (”{line}”) saknar längd. Skriv delens namn, ett kommatecken och "
                               "antal minuter, till exempel: Boktips, 8")
        minutes = float(match.group("minutes").replace(",", "."))
        if minutes <= 0:
            raise EpisodeError(f"Rad {number}: en del måste vara längre än 0 minuter.")
        segments.append(Segment(match.group("name").strip(), minutes, start))
        start += minutes
    if not segments:
        raise EpisodeError("Skriv minst en del av avsnittet, en per rad, till exempel: Boktips, 8")
    return segments


def timestamp(minutes: float) -> str:
    """Minutes as mm:ss (or h:mm:ss), the form podcast apps and YouTube turn into chapter links."""
    seconds = round(minutes * 60)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def length_verdict(total: float, target: int) -> str:
    """Symbol and words on how the planned length compares with the target."""
    difference = total - target
    if abs(difference) <= TOLERANCE * target:
        return f"✓ Avsnittet blir {format_minutes(total)} minuter, nära målet {target} minuter."
    if difference > 0:
        return (f"⚠ Avsnittet blir {format_minutes(total)} minuter, {format_minutes(difference)} minuter längre "
                f"än målet {target}. Korta någon del eller spara den till nästa avsnitt.")
    return (f"ℹ Avsnittet blir {format_minutes(total)} minuter, {format_minutes(-difference)} minuter kortare "
            f"än målet {target}. Kort är bra – eller finns det något du vill lägga till?")


def format_minutes(minutes: float) -> str:
    return f"{minutes:g}".replace(".", ",")


def episode_description(title: str, segments: Sequence[Segment], *, music_credit: str = "") -> str:
    """A draft episode description with chapter times, ready to paste into the podcast host."""
    lines = [title.strip() or "Avsnittets titel", "", "I det här avsnittet:"]
    lines += [f"{timestamp(s.start)} {s.name}" for s in segments]
    if music_credit.strip():
        lines += ["", f"Musik: {music_credit.strip()}"]
    return "\n".join(lines)


class EpisodePlanner(AnswerWidget):
    """Plan one episode: its parts and their length, whether guests and music are cleared."""

    kind = "planner"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        label = {"description_width": "12em"}
        self.title_box = w.Text(description="Avsnittets titel", placeholder="till exempel Sommarens bästa ljudböcker",
                                style=label, layout=w.Layout(width="100%"))
        self.target_box = w.BoundedIntText(description="Mål, minuter", value=25, min=1, max=180, style=label)
        self.segments_box = w.Textarea(description="Delar", placeholder="En del per rad: namn, minuter\n"
                                       + "\n".join(SAMPLE_SEGMENTS[:3]), style=label,
                                       layout=w.Layout(width="100%", height="9em"))
        self.music_box = w.Text(description="Musik (krediteras)", placeholder="till exempel ”Titel” av Namn, CC BY 4.0",
                                style=label, layout=w.Layout(width="100%"))
        self.guests_ok = w.Checkbox(description="Alla som hörs har sagt ja till att avsnittet publiceras",
                                    indent=False, layout=w.Layout(width="auto"))
        self.music_ok = w.Checkbox(description="Musiken är vår egen eller har en licens som tillåter poddar",
                                   indent=False, layout=w.Layout(width="auto"))
        self.plan_button = w.Button(description="Gör körschema och beskrivning", button_style="primary",
                                    icon="list", layout=w.Layout(width="auto"))
        self.plan_button.on_click(lambda _: self.plan())
        self.result = w.HTML()
        self.description = w.Textarea(description="Beskrivning", disabled=False, style=label,
                                      layout=w.Layout(width="100%", height="10em", display="none"))
        self.segments: list[Segment] = []
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Planera ett poddavsnitt.</strong> Skriv avsnittets delar i ordning, en per rad, "
                   "med namn och ungefärlig längd i minuter.</p>"),
            self.title_box, self.target_box, self.segments_box, self.music_box, self.guests_ok, self.music_ok,
            self.plan_button, self.result, self.description, self.status,
        ]
        self._restore()

    def plan(self) -> list[Segment]:
        try:
            segments = parse_segments(self.segments_box.value)
        except EpisodeError as problem:
            self.result.value = f'<p class="ensak-feedback" role="alert">⚠ {escape(str(problem))}</p>'
            return []
        self.segments = segments
        self._show()
        total = sum(s.minutes for s in segments)
        self.save({
            "title": self.title_box.value.strip(),
            "target": int(self.target_box.value),
            "segments": [{"name": s.name, "minutes": s.minutes} for s in segments],
            "total": total,
            "music": self.music_box.value.strip(),
            "guests_ok": self.guests_ok.value,
            "music_ok": self.music_ok.value,
            "description": self.description.value,
        })
        return segments

    def _show(self) -> None:
        segments = self.segments
        total = sum(s.minutes for s in segments)
        table = render_table("Körschema", ["Start", "Del", "Minuter"],
                             [[timestamp(s.start), escape(s.name), format_minutes(s.minutes)] for s in segments],
                             css_class="ensak-korschema")
        reminders = []
        if not self.guests_ok.value:
            reminders.append("⚠ Fråga alla som hörs i avsnittet om de godkänner att det publiceras. En röst som "
                             "går att känna igen är en personuppgift, precis som en bild.")
        if not self.music_ok.value:
            reminders.append("⚠ Använd bara musik som ni har gjort själva, har fått skriftligt lov till eller som "
                             "har en licens som tillåter poddar. Utan musik går också bra.")
        elif not self.music_box.value.strip():
            reminders.append("ℹ Skriv vem som har gjort musiken, så kommer den med i beskrivningen.")
        notes = "".join(f"<p>{escape(r)}</p>" for r in reminders)
        self.result.value = (
            f'<div class="ensak-feedback" role="status"><p><strong>{escape(length_verdict(total, int(self.target_box.value)))}'
            f"</strong></p>{table}{notes}"
            "<p>Beskrivningen nedan kan du kopiera till poddtjänsten. Tiderna blir kapitel i många poddappar.</p></div>"
        )
        self.description.value = episode_description(self.title_box.value, segments, music_credit=self.music_box.value)
        self.description.layout.display = None

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict) or not isinstance(saved.get("segments"), list):
            return
        try:
            lines = [f"{item['name']}, {format_minutes(float(item['minutes']))}" for item in saved["segments"]]
            self.segments = parse_segments("\n".join(lines))
            self.target_box.value = int(saved.get("target", self.target_box.value))
        except (KeyError, TypeError, ValueError):
            self.segments = []
            return
        self.segments_box.value = "\n".join(lines)
        self.title_box.value = str(saved.get("title", ""))
        self.music_box.value = str(saved.get("music", ""))
        self.guests_ok.value = saved.get("guests_ok") is True
        self.music_ok.value = saved.get("music_ok") is True
        self._show()
        self.show_status("Din tidigare plan är återställd.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.title_box.value = rng.choice(["Sommarens ljudböcker", "Möt författaren", "Bibliotekets bästa tips"])
        self.segments_box.value = "\n".join(rng.sample(SAMPLE_SEGMENTS, rng.randint(3, len(SAMPLE_SEGMENTS))))
        self.guests_ok.value = rng.random() < 0.8
        self.music_ok.value = rng.random() < 0.7
        self.plan()
