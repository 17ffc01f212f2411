"""A monitoring planner: the sources a learner wants to follow, sorted into folders, written as an OPML file.

OPML is the list format every feed reader imports. Sources that have no feed (newsletters, LinkedIn)
stay in the plan, marked with how to follow them instead.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import Sequence

import ipywidgets as w

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape

OPML_FILE = "omvarldsbevakning.opml"
MAX_SOURCES = 60
# More than this and the reader fills up faster than anyone can read; the planner says so.
COMFORTABLE_SOURCES = 25

KINDS = {
    "flode": "Webbplats, blogg eller podd (flödets adress)",
    "mastodon": "Konto på Mastodon",
    "bluesky": "Konto på Bluesky",
    "nyhetsbrev": "Nyhetsbrev (följs med e-post)",
    "app": "LinkedIn, Facebook eller annat (följs i appen)",
}
FEED_KINDS = ("flode", "mastodon", "bluesky")
HOW_TO_FOLLOW = {
    "flode": "flöde i läsaren",
    "mastodon": "flöde i läsaren",
    "bluesky": "flöde i läsaren",
    "nyhetsbrev": "prenumerera med e-post",
    "app": "följ i appen",
}
FOLDERS = ("Biblioteksvärlden", "Läsning och litteratur", "Digitalt och AI", "Vår kommun och region", "Övrigt")
RHYTHMS = {
    "dag": ("Tio minuter varje arbetsdag", 50),
    "tva": ("En kvart två gånger i veckan", 30),
    "vecka": ("En halvtimme en gång i veckan", 30),
}
SAMPLE_SOURCES = (
    ("Ett biblioteks blogg", "flode", "https://bibliotek.example/feed/", "Biblioteksvärlden"),
    ("En bibliotekarie på Mastodon", "mastodon", "@bibliotekarie@mastodon.example", "Biblioteksvärlden"),
    ("En forskare på Bluesky", "bluesky", "forskare.bsky.social", "Digitalt och AI"),
    ("En podd om böcker", "flode", "https://podd.example/rss", "Läsning och litteratur"),
    ("Nyhetsbrev om läsfrämjande", "nyhetsbrev", "", "Läsning och litteratur"),
    ("Kollegor på LinkedIn", "app", "", "Biblioteksvärlden"),
)


class MonitoringError(ValueError):
    """A source cannot be added as typed; the message is Swedish and shows the form that works."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    address: str
    folder: str
    feed: str = ""  # the address a feed reader subscribes to; empty for sources without a feed
    page: str = ""  # where the source can be read in a browser, when known

    @property
    def has_feed(self) -> bool:
        return bool(self.feed)


MASTODON_HANDLE = re.compile(r"^@?(?P<user>[A-Za-z0-9_]+)@(?P<server>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$")
MASTODON_URL = re.compile(r"^https?://(?P<server>[A-Za-z0-9.-]+\.[A-Za-z]{2,})/@(?P<user>[A-Za-z0-9_]+)/?$")
BLUESKY_HANDLE = re.compile(r"^@?(?P<handle>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
BLUESKY_URL = re.compile(r"^https?://bsky\.app/profile/(?P<handle>[^/\s]+)/?$")
WEB_URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")


def make_source(name: str, kind: str, address: str, folder: str = FOLDERS[0]) -> Source:
    """A source with its feed address worked out from what the learner typed."""
    name, address = " ".join(name.split()), address.strip()
    if not name:
        raise MonitoringError("Ge källan ett namn, så att du känner igen den i läsaren.")
    if kind not in KINDS:
        raise MonitoringError("Välj vad det är för slags källa.")
    folder = folder if folder in FOLDERS else FOLDERS[-1]
    if kind == "mastodon":
        match = MASTODON_HANDLE.match(address) or MASTODON_URL.match(address)
        if not match:
            raise MonitoringError("Skriv Mastodon-kontot som @namn@server.se eller som adressen "
                                  "https://server.se/@namn.")
        page = f"https://{match['server'].lower()}/@{match['user']}"
        return Source(name, kind, address, folder, feed=f"{page}.rss", page=page)
    if kind == "bluesky":
        match = BLUESKY_URL.match(address) or BLUESKY_HANDLE.match(address)
        if not match:
            raise MonitoringError("Skriv Bluesky-kontot som namn.bsky.social eller som adressen "
                                  "https://bsky.app/profile/namn.bsky.social.")
        page = f"https://bsky.app/profile/{match['handle'].lower()}"
        return Source(name, kind, address, folder, feed=f"{page}/rss", page=page)
    if kind == "flode":
        if not WEB_URL.match(address):
            raise MonitoringError("Skriv flödets hela adress, som börjar med https://.")
        return Source(name, kind, address, folder, feed=address)
    # Newsletters and app-only networks have no feed; an address, if given, is where to sign up.
    if address and not WEB_URL.match(address):
        raise MonitoringError("Adressen ska börja med https:// – eller lämna fältet tomt.")
    return Source(name, kind, address, folder, page=address)


def opml_document(sources: Sequence[Source], *, title: str = "Min omvärldsbevakning",
                  created: dt.datetime | None = None) -> bytes:
    """An OPML 2.0 file with one folder per theme and one outline per feed (sources without feeds left out)."""
    created = created or dt.datetime.now(dt.timezone.utc)
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ET.SubElement(opml, "body")
    for folder in FOLDERS:
        feeds = [s for s in sources if s.has_feed and s.folder == folder]
        if not feeds:
            continue
        group = ET.SubElement(body, "outline", text=folder, title=folder)
        for source in feeds:
            attributes = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": source.feed}
            if source.page:
                attributes["htmlUrl"] = source.page
            ET.SubElement(group, "outline", attributes)
    ET.indent(opml)
    return ET.tostring(opml, encoding="UTF-8", xml_declaration=True) + b"\n"


def sources_table_html(sources: Sequence[Source]) -> str:
    if not sources:
        return "<p>Inga källor ännu. Lägg till den första ovan.</p>"
    rows = [[str(number), escape(source.name), escape(source.folder), escape(HOW_TO_FOLLOW[source.kind]),
             f"<code>{escape(source.feed or source.page or '–')}</code>"]
            for number, source in enumerate(sources, start=1)]
    return render_table("Din bevakningslista", ["Nr", "Källa", "Mapp", "Så följer du", "Adress"], rows,
                        css_class="ensak-bevakning")


def plan_advice(sources: Sequence[Source], rhythm: str) -> list[str]:
    """Symbol-and-word advice on the plan as a whole: enough feeds, not too many, a rhythm that fits."""
    feeds = sum(s.has_feed for s in sources)
    advice = []
    if feeds == 0:
        advice.append("⚠ Ingen källa har ett flöde ännu, så OPML-filen blir tom. Lägg till minst en webbplats, "
                      "blogg, podd eller ett konto på Mastodon eller Bluesky.")
    else:
        advice.append(f"✓ {feeds} av {len(sources)} källor kommer med i OPML-filen.")
    others = len(sources) - feeds
    if others:
        advice.append(f"ℹ {others} källor följer du i appen eller med e-post; de står kvar i listan som påminnelse.")
    if len(sources) > COMFORTABLE_SOURCES:
        advice.append(f"⚠ {len(sources)} källor är många. Börja hellre med de tio viktigaste och lägg till fler "
                      "när läsandet har blivit en vana.")
    if len({s.folder for s in sources}) == 1 and len(sources) >= 4:
        advice.append("ℹ Alla källor ligger i samma mapp. Finns det något utanför biblioteksvärlden som också "
                      "påverkar ert arbete, till exempel kommunen eller tekniken?")
    label, minutes = RHYTHMS[rhythm]
    advice.append(f"ℹ Din rytm: {label.lower()}, ungefär {minutes} minuter i veckan. Boka in tiden i kalendern.")
    return advice


class MonitoringPlanner(AnswerWidget):
    """Add sources one at a time; the plan is saved as it grows, and the OPML file is written on request."""

    kind = "planner"

    def __init__(self, key: str, *, store: AnswerStore | None = None, filename: str = OPML_FILE):
        label = {"description_width": "9em"}
        self.filename = filename
        self.sources: list[Source] = []
        self.name_box = w.Text(description="Namn", placeholder="till exempel Regionbibliotekets blogg", style=label,
                               layout=w.Layout(width="100%"))
        self.kind_choice = w.Dropdown(description="Slags källa", options=[(t, k) for k, t in KINDS.items()],
                                      value="flode", style=label, layout=w.Layout(width="100%"))
        self.address_box = w.Text(description="Adress", placeholder="https://… eller @namn@server.se", style=label,
                                  layout=w.Layout(width="100%"))
        self.folder_choice = w.Dropdown(description="Mapp", options=list(FOLDERS), value=FOLDERS[0], style=label)
        self.add_button = w.Button(description="Lägg till källan", icon="plus", layout=w.Layout(width="auto"))
        self.add_button.on_click(lambda _: self.add())
        self.table = w.HTML()
        self.remove_choice = w.Dropdown(description="Ta bort", options=[], value=None, style=label)
        self.remove_button = w.Button(description="Ta bort källan", icon="trash", layout=w.Layout(width="auto"))
        self.remove_button.on_click(lambda _: self.remove(self.remove_choice.value))
        self.rhythm_choice = w.Dropdown(description="Läsrytm", options=[(t, k) for k, (t, _) in RHYTHMS.items()],
                                        value="vecka", style=label)
        self.make_button = w.Button(description="Skapa OPML-filen", button_style="primary", icon="rss",
                                    layout=w.Layout(width="auto"))
        self.make_button.on_click(lambda _: self.make())
        self.result = w.HTML()
        self.file_written = False
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Bygg din bevakningslista.</strong> Lägg till en källa i taget: ge den ett namn, "
                   "välj vad det är och skriv adressen.</p>"),
            self.name_box, self.kind_choice, self.address_box, self.folder_choice, self.add_button,
            self.table, w.HBox([self.remove_choice, self.remove_button]),
            self.rhythm_choice, self.make_button, self.result, self.status,
        ]
        self._restore()
        self._refresh()

    @property
    def path(self) -> Path:
        return self.store.path.parent / self.filename

    def add(self) -> Source | None:
        if len(self.sources) >= MAX_SOURCES:
            self.show_status(f"Listan rymmer {MAX_SOURCES} källor. Ta bort någon först.", problem=True)
            return None
        try:
            source = make_source(self.name_box.value, self.kind_choice.value, self.address_box.value,
                                 self.folder_choice.value)
        except MonitoringError as problem:
            self.show_status(str(problem), problem=True)
            return None
        if source.feed and any(s.feed == source.feed for s in self.sources):
            self.show_status("Den källan finns redan i listan.", problem=True)
            return None
        self.sources.append(source)
        how = "Flödet blir " + source.feed if source.has_feed else "Den följer du " + HOW_TO_FOLLOW[source.kind]
        self.name_box.value = ""
        self.address_box.value = ""
        self._refresh()
        if self._save():
            self.show_status(f"{source.name} är tillagd och sparad. {how}.")
        return source

    def remove(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.sources):
            return
        removed = self.sources.pop(index)
        self._refresh()
        if self._save():
            self.show_status(f"{removed.name} är borttagen.")

    def make(self) -> Path | None:
        """Write the OPML file next to the notebook and say what went into it."""
        advice = plan_advice(self.sources, self.rhythm_choice.value)
        if not any(s.has_feed for s in self.sources):
            self.result.value = ""
            self.show_status(advice[0].removeprefix("⚠ "), problem=True)
            return None
        try:
            self.path.write_bytes(opml_document(self.sources))
        except OSError as exc:
            self.show_status(f"Filen kunde inte skrivas ({exc.strerror or exc}).", problem=True)
            return None
        self.file_written = True
        self._show_result(advice)
        if self._save():
            self.show_status(f"Klart! Filen {self.filename} ligger i samma mapp som uppgiften. Mer nedanför.")
        return self.path

    def _show_result(self, advice: list[str]) -> None:
        items = "".join(f"<li>{escape(a)}</li>" for a in advice)
        self.result.value = (
            f'<div class="ensak-feedback"><p><strong>✓ Klart! Filen <code>{escape(self.filename)}'
            "</code> ligger i samma mapp som uppgiften.</strong> Högerklicka på den i filbläddraren till vänster "
            f"och välj <em>Ladda ned</em>. Läs sedan in den i din flödesläsare.</p><ul>{items}</ul></div>")

    def _refresh(self) -> None:
        self.table.value = sources_table_html(self.sources)
        self.remove_choice.options = [(f"{i + 1}. {s.name}", i) for i, s in enumerate(self.sources)]
        self.remove_choice.value = None

    def _save(self) -> bool:
        return self.save({
            "sources": [asdict(s) for s in self.sources],
            "feeds": sum(s.has_feed for s in self.sources),
            "rhythm": self.rhythm_choice.value,
            "file": self.filename if self.file_written else None,
        })

    def _restore(self) -> None:
        saved = self.saved_value
        if not isinstance(saved, dict) or not isinstance(saved.get("sources"), list):
            return
        restored = []
        for item in saved["sources"]:
            try:
                restored.append(make_source(item["name"], item["kind"], item["address"], item.get("folder", "")))
            except (KeyError, TypeError, AttributeError, MonitoringError):
                continue  # a hand-edited entry that no longer makes sense is dropped, the rest kept
        self.sources = restored
        if saved.get("rhythm") in RHYTHMS:
            self.rhythm_choice.value = saved["rhythm"]
        self.file_written = bool(saved.get("file"))
        if self.file_written:
            self._show_result(plan_advice(self.sources, self.rhythm_choice.value))
        self.show_status("Din bevakningslista är återställd.")

    def simulate(self, rng, learner: dict | None = None) -> None:
        for name, kind, address, folder in rng.sample(SAMPLE_SOURCES, rng.randint(3, len(SAMPLE_SOURCES))):
            self.name_box.value, self.kind_choice.value = name, kind
            self.address_box.value, self.folder_choice.value = address, folder
            self.add()
        self.rhythm_choice.value = rng.choice(list(RHYTHMS))
        self.make()
