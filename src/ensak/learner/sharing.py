"""Sharing a reflection in Kursbloggen, the course's closed blog: two separate choices and a button that sends.

The choices are saved in the answers file (they travel with the submission, so the coordinator sees them).
The button sends the reflection, as the notebook was last saved, to Kursbloggen's API with the learner's own
hub token: it is there for colleagues at once, no sync and no fetch in between. Changing a choice after
sending takes effect in the blog straight away; unticking both takes the post out of it.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import ipywidgets as w

from ensak.learner.answers import AnswerStore, now_iso
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.blog_client import BlogClient, BlogClientError
from ensak.learner.controls import ChoiceGroup

SHARING_KEY = "dela-reflektion"
QUESTION = "Vill du dela din reflektion?"
# The reflection cell's grade id (ensak.nbgrader.authoring.reflection) and nbgrader's Swedish text stub
# (nbgrader_config.py): a reflection still holding the stub has not been written.
REFLECTION_CELL = "reflektion"
REFLECTION_PLACEHOLDER = "SKRIV DITT SVAR HÄR"


def sharing_from_answer(value: Any) -> dict[str, bool]:
    """{"share": bool, "publish": bool} from a saved answer; anything else means no to both."""
    if not isinstance(value, dict):
        return {"share": False, "publish": False}
    return {"share": value.get("share") is True, "publish": value.get("publish") is True}


def describe_sharing(share: bool, publish: bool) -> str:
    """The current choice in words and symbols (never colour alone), as HTML."""
    course = ("✓ <strong>Delas med kurskamraterna</strong> i Kursbloggen, med ditt namn." if share else
              "✗ <strong>Delas inte</strong> med kurskamraterna. Bara kursledaren läser din reflektion.")
    public = ("✓ <strong>Får publiceras öppet</strong> efter kursen, med ditt förnamn." if publish else
              "✗ <strong>Publiceras inte öppet.</strong>")
    return f'<p class="ensak-sharing">{course}<br>{public}</p>'


def task_notebook_path(folder: Path) -> Path | None:
    """The task's notebook in its folder: <task>/<task>.ipynb, or the folder's only notebook."""
    named = folder / f"{folder.name}.ipynb"
    if named.is_file():
        return named
    notebooks = sorted(folder.glob("*.ipynb"))
    return notebooks[0] if len(notebooks) == 1 else None


def saved_reflection(folder: Path) -> str:
    """The reflection as the task's notebook was last saved; "" if it is unwritten or cannot be read."""
    path = task_notebook_path(folder)
    if path is None:
        return ""
    # Read as the JSON it is: nbformat would import jsonschema, whose URI grammars take over half a second to
    # compile in every learner's kernel when a task opens.
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and grading.get("grade_id") == REFLECTION_CELL:
            source = cell.get("source", "")
            written = ("".join(source) if isinstance(source, list) else str(source)).strip()
            return "" if not written or REFLECTION_PLACEHOLDER in written else written
    return ""


class SharingChoice(AnswerWidget):
    """Two separate yes/no choices under the reflection, both off until the learner ticks them, and a send button.

    Sharing with the course and publishing openly are separate consents: a colleague's reading is
    not the whole world's.
    """

    # A consent is neither graded nor a builder; the course's structure test knows the plain kinds.
    kind = "answer"

    def __init__(self, key: str = SHARING_KEY, *, store: AnswerStore | None = None):
        # Two separate consents, one group named by the question they answer.
        self.consents = ChoiceGroup(QUESTION, [
            "Dela min reflektion med kurskamraterna i Kursbloggen",
            "Min reflektion får också publiceras på bibliotekets öppna blogg efter kursen, med mitt förnamn",
        ], values=["share", "publish"], multiple=True)
        self.summary = w.HTML()
        self.send_button = w.Button(description="Skicka till Kursbloggen", icon="paper-plane",
                                    tooltip="Skickar reflektionen som den är sparad i uppgiften")
        self.send_button.on_click(lambda _: self.send_to_blog())
        self.link = w.HTML()
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p>Kursbloggen är stängd: bara de som går kursen kan läsa den. Där står ditt namn vid "
                   "reflektionen, kollegorna kan svara med kommentarer och kursledarens kommentar syns också. "
                   "Att publicera öppet är ett eget val – då kan vem som helst läsa den.</p>"),
            self.consents,
            self.summary,
            w.HTML("<p>Spara uppgiften (Ctrl+S) och tryck sedan på knappen: reflektionen skickas som den "
                   "är sparad. Ändrar du texten senare, spara och tryck igen.</p>"),
            self.send_button,
            self.link,
            w.HTML("<p><em>Du kan ändra dig när du vill: tar du bort bockarna försvinner reflektionen ur "
                   "Kursbloggen direkt.</em></p>"),
            self.status,
        ]
        self._restoring = True
        saved = self.saved_value
        if saved is not None:
            choice = sharing_from_answer(saved)
            self.consents.value = tuple(k for k in ("share", "publish") if choice[k])
            self.show_status("Ditt tidigare val är återställt.")
        self._restoring = False
        self.consents.observe(self._changed, names="selected")
        self._show_summary()

    @property
    def choice(self) -> dict[str, bool]:
        chosen = self.consents.value
        return {"share": "share" in chosen, "publish": "publish" in chosen}

    @property
    def sent(self) -> str | None:
        """When the reflection was last sent to Kursbloggen (ISO time), if ever."""
        saved = self.saved_value
        return saved.get("sent") if isinstance(saved, dict) else None

    def choose(self, *, share: bool, publish: bool = False) -> None:
        """Set both choices as a learner ticking the boxes would (tests and the demo cohort)."""
        self.consents.value = tuple(k for k, yes in (("share", share), ("publish", publish)) if yes)
        # Unticking what was never ticked changes nothing, so save the choice explicitly once.
        self.save(self._record())

    def send_to_blog(self, *, client: BlogClient | None = None, at=None) -> bool:
        """Send the saved reflection and both choices to Kursbloggen; return whether the blog took them.

        `client` defaults to the learner's own (their hub token, the blog's address from the environment);
        `at` is the demo's simulated time.
        """
        choice = self.choice
        folder = self.store.path.parent
        text = saved_reflection(folder) if (choice["share"] or choice["publish"]) else ""
        if (choice["share"] or choice["publish"]) and not text:
            self.show_status("Det finns ingen sparad reflektion att skicka. Skriv din reflektion i rutan ovanför, "
                             "spara uppgiften (Ctrl+S) och tryck på knappen igen.", problem=True)
            return False
        try:
            client = client or BlogClient.from_environment()
            answer = client.share_reflection(folder.name, text, at=at, **choice)
        except BlogClientError as error:
            self.show_status(f"{error} Ditt val är sparat här; tryck på knappen igen senare.", problem=True)
            return False
        self.save(self._record(sent=True))
        if answer.get("url"):
            address = urllib.parse.urljoin(client.base_url, answer["url"])
            self.link.value = f'<p><a href="{escape(address)}" target="_blank">Öppna ditt inlägg i Kursbloggen</a></p>'
            self.show_status("Klart! Din reflektion finns nu i Kursbloggen." if choice["share"] else
                             "Klart! Reflektionen delas inte med kurskamraterna, men får publiceras efter kursen.")
        else:
            self.link.value = ""
            self.show_status("Klart! Din reflektion finns inte längre i Kursbloggen.")
        return True

    def simulate(self, rng, learner: dict | None = None) -> None:
        traits = learner or {}
        share = rng.random() < traits.get("share", 0.6)
        self.choose(share=share, publish=share and rng.random() < traits.get("publish", 0.4))

    def _record(self, *, sent: bool = False) -> dict:
        record = dict(self.choice)
        previous = self.sent
        if sent or previous:
            record["sent"] = now_iso() if sent else previous
        return record

    def _show_summary(self) -> None:
        self.summary.value = describe_sharing(**self.choice)

    def _changed(self, _change) -> None:
        self._show_summary()
        if self._restoring:
            return
        self.save(self._record())
        if self.sent:
            # Once in the blog, a changed mind counts at once, above all a withdrawal.
            self.send_to_blog()
