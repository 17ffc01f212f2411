"""Sharing with colleagues: the choice to share a reflection in the course blog, and comments on posts there.

Both choices travel with the submission in the answers file, so `ensak blog` reads exactly what the
learner chose the last time they handed in, and a changed mind takes effect at the next compilation.
"""

from __future__ import annotations

import uuid
from typing import Any

import ipywidgets as w

from ensak.learner.answers import AnswerStore, now_iso
from ensak.learner.base import AnswerWidget, escape, label_above
from ensak.learner.controls import ChoiceGroup

SHARING_KEY = "dela-reflektion"
COMMENT_KEY_PREFIX = "kommentar-"
# A comment is a few sentences to a colleague; a wall of text belongs in one's own post.
MAX_COMMENT_CHARS = 2000
QUESTION = "Vill du dela ditt blogginlägg?"


def sharing_from_answer(value: Any) -> dict[str, bool]:
    """{"share": bool, "publish": bool} from a saved answer; anything else means no to both."""
    if not isinstance(value, dict):
        return {"share": False, "publish": False}
    return {"share": value.get("share") is True, "publish": value.get("publish") is True}


def describe_sharing(share: bool, publish: bool) -> str:
    """The current choice in words and symbols (never colour alone), as HTML."""
    course = ("✓ <strong>Delas med kurskamraterna</strong> i kursbloggen, med ditt namn." if share else
              "✗ <strong>Delas inte</strong> med kurskamraterna. Bara kursledaren läser ditt inlägg.")
    public = ("✓ <strong>Får publiceras öppet</strong> efter kursen, med ditt förnamn." if publish else
              "✗ <strong>Publiceras inte öppet.</strong>")
    return f'<p class="ensak-sharing">{course}<br>{public}</p>'


class SharingChoice(AnswerWidget):
    """Two separate yes/no choices under the reflection, both off until the learner ticks them.

    Sharing with the course and publishing openly are separate consents: a colleague's reading is
    not the whole world's. Unticking and handing in again withdraws either.
    """

    # A consent is neither graded nor a builder; the course's structure test knows the plain kinds.
    kind = "answer"

    def __init__(self, key: str = SHARING_KEY, *, store: AnswerStore | None = None):
        # Two separate consents, one group named by the question they answer.
        self.consents = ChoiceGroup(QUESTION, [
            "Dela mitt blogginlägg med kurskamraterna i kursbloggen",
            "Mitt inlägg får också publiceras på bibliotekets öppna blogg efter kursen, med mitt förnamn",
        ], values=["share", "publish"], multiple=True)
        self.summary = w.HTML()
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p>Kursbloggen är stängd: bara de som går kursen kan läsa den. Där står ditt namn vid "
                   "inlägget, kollegorna kan svara med kommentarer och kursledarens kommentar syns också. "
                   "Att publicera öppet är ett eget val – då kan vem som helst läsa inlägget.</p>"),
            self.consents,
            self.summary,
            w.HTML("<p><em>Du kan ändra dig: ändra bockarna här och lämna in uppgiften igen. Nästa gång "
                   "kursbloggen uppdateras följer den ditt senaste val.</em></p>"),
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

    def choose(self, *, share: bool, publish: bool = False) -> None:
        """Set both choices as a learner ticking the boxes would (tests and the demo cohort)."""
        self.consents.value = tuple(k for k, yes in (("share", share), ("publish", publish)) if yes)
        # Unticking what was never ticked changes nothing, so save the choice explicitly once.
        self.save(self.choice)

    def simulate(self, rng, learner: dict | None = None) -> None:
        traits = learner or {}
        share = rng.random() < traits.get("share", 0.6)
        self.choose(share=share, publish=share and rng.random() < traits.get("publish", 0.4))

    def _show_summary(self) -> None:
        self.summary.value = describe_sharing(**self.choice)

    def _changed(self, _change) -> None:
        self._show_summary()
        if not self._restoring:
            self.save(self.choice)


class BlogComment(AnswerWidget):
    """An answer to a colleague's post in the course blog: written here, handed in, shown under the post.

    Every saved comment gets an id of its own, so handing in again never shows a comment twice.
    """

    kind = "comment"

    def __init__(self, key: str, author: str = "", *, store: AnswerStore | None = None):
        if not key.startswith(COMMENT_KEY_PREFIX):
            raise ValueError(f"A blog comment's key starts with {COMMENT_KEY_PREFIX!r}, got {key!r}.")
        self.author = author
        label = f"Svara {author}" if author else "Svara på inlägget"
        self.box = label_above(w.Textarea(description=label, placeholder="Skriv en kommentar till inlägget …",
                                          rows=3, layout=w.Layout(width="100%")))
        self.save_button = w.Button(description="Spara kommentaren", icon="comment")
        self.save_button.on_click(lambda _: self.write(self.box.value))
        self.written = w.HTML()
        super().__init__(key, store=store)
        self.children = [self.box, self.save_button, self.written, self.status]
        self._show_written()

    @property
    def comments(self) -> list[dict]:
        saved = self.saved_value
        if not isinstance(saved, dict) or not isinstance(saved.get("comments"), list):
            return []
        return [c for c in saved["comments"] if isinstance(c, dict) and isinstance(c.get("text"), str)]

    def write(self, text: str, *, written: str | None = None) -> bool:
        """Save `text` as a new comment (`written`: an ISO time, default now); return whether it was saved."""
        text = (text or "").strip()
        if not text:
            self.show_status("Skriv något i rutan först.", problem=True)
            return False
        if len(text) > MAX_COMMENT_CHARS:
            self.show_status(f"Kommentaren är {len(text)} tecken lång. Korta den till högst {MAX_COMMENT_CHARS} "
                             "tecken, eller skriv ett eget inlägg om det.", problem=True)
            return False
        comment = {"id": uuid.uuid4().hex, "text": text, "written": written or now_iso()}
        # AnswerWidget.save reports a failed write in the status line rather than raising.
        saved = self.save({"comments": [*self.comments, comment]})
        if saved:
            # The box empties so that pressing the button again cannot save the same words twice.
            self.box.value = ""
            self.show_status("Kommentaren är sparad. Lämna in kursbloggen (Submit) så att den kommer med.")
        self._show_written()
        return saved

    def simulate(self, rng, learner: dict | None = None) -> None:
        traits = learner or {}
        if traits.get("blog_comments"):
            # The demo's clock, so that a simulated course's comments are dated within the course.
            self.write(rng.choice(traits["blog_comments"]), written=traits.get("now"))

    def _show_written(self) -> None:
        comments = self.comments
        if not comments:
            self.written.value = ""
            return
        items = "".join(f"<li>✓ {escape(c['text'])}</li>" for c in comments)
        self.written.value = (
            f"<p>Dina sparade kommentarer till inlägget ({len(comments)}):</p><ul>{items}</ul>"
            "<p><em>De syns under inlägget när du har lämnat in kursbloggen (Submit) och kursledaren "
            "har uppdaterat den.</em></p>")
