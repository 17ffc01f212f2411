"""Writing for the web: a checker for web texts and a practice pad for Markdown in text cells.

The analysis functions are pure (text in, findings out) so that they can be tested and reused;
the widgets only collect the text, show the findings and save what the learner did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
import mistune

from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape
from ensak.learner.feedback import Finding, count, render_findings
from ensak.swedish import count_noun, decimal

# Thresholds are rules of thumb from plain-language advice, not hard limits; the feedback says so.
HEADLINE_MAX_CHARS = 65          # search results and feeds often cut a title around here
HEADLINE_MIN_WORDS = 3
LONG_SENTENCE_WORDS = 25
LONG_PARAGRAPH_WORDS = 80
LIX_MIN_WORDS = 30               # below this LIX says more about chance than about the text
SHOUTING_MIN_LETTERS = 5         # shorter all-caps words are usually abbreviations (GDPR, IMY)

VAGUE_LINK_TEXTS = {
    "här", "klicka här", "klicka", "tryck här", "läs mer", "läs mer här", "mer", "mer info",
    "mer information", "länk", "länken", "den här länken", "denna länk", "click here", "here",
    "read more", "link",
}
VAGUE_ALT_TEXTS = {"bild", "bilden", "en bild", "foto", "fotot", "image", "img", "photo", "picture",
                   "logo", "logga", "illustration", "skärmdump"}

WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ][0-9A-Za-zÀ-ÖØ-öø-ÿ'’\-]*")
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
HTML_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
HTML_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>()]+", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
FILE_NAME = re.compile(r"(?:\.(?:jpe?g|png|gif|webp|svg|heic)$)|^(?:img|dsc|dcim)[_-]?\d+", re.IGNORECASE)


@dataclass(frozen=True)
class TextReview:
    findings: list[Finding]
    stats: dict[str, Any] = field(default_factory=dict)


def words_in(text: str) -> list[str]:
    return WORD.findall(text)


def lix(text: str) -> float | None:
    """Läsbarhetsindex: words per sentence plus the share of words longer than six letters, in per cent."""
    sentences = [s for s in SENTENCE_END.split(text) if words_in(s)]
    words = words_in(text)
    if not words or not sentences:
        return None
    long_words = [word for word in words if len(word) > 6]
    return round(len(words) / len(sentences) + 100 * len(long_words) / len(words), 1)


def lix_label(value: float) -> str:
    if value < 30:
        return "mycket lättläst"
    if value < 40:
        return "lättläst"
    if value < 50:
        return "medelsvår"
    if value < 60:
        return "svår"
    return "mycket svår"


def _short(sentence: str, words: int = 6) -> str:
    head = words_in(sentence)[:words]
    return "”" + " ".join(head) + " …”"


def _review_headline(headline: str) -> list[Finding]:
    headline = headline.strip()
    if not headline:
        return [Finding("problem", "Rubriken saknas. En rubrik som säger vad texten handlar om är det första "
                                   "läsaren – och sökmotorn – ser.")]
    findings = []
    if len(headline) > HEADLINE_MAX_CHARS:
        findings.append(Finding("tips", f"Rubriken är {len(headline)} tecken lång. Sökmotorer och flöden kapar "
                                        f"ofta rubriker efter ungefär {HEADLINE_MAX_CHARS} tecken – får det "
                                        "viktigaste plats i början?"))
    elif len(words_in(headline)) < HEADLINE_MIN_WORDS:
        findings.append(Finding("tips", "Rubriken är mycket kort. Förstår den som bara ser rubriken vad texten "
                                        "handlar om?"))
    else:
        findings.append(Finding("bra", f"Rubriken är {len(headline)} tecken – lagom lång för att synas helt i "
                                       "sökresultat och flöden."))
    if headline.isupper() and len(words_in(headline)) > 1:
        findings.append(Finding("problem", "Rubriken är skriven med bara versaler. Det är svårare att läsa och "
                                           "uppfattas ofta som att man skriker."))
    return findings


def _review_links(body: str) -> tuple[list[Finding], int]:
    findings = []
    texts = [m.group(1) for m in MD_LINK.finditer(MD_IMAGE.sub("", body))]
    texts += [re.sub(r"<[^>]+>", "", m.group(1)) for m in HTML_LINK.finditer(body)]
    without_links = HTML_LINK.sub("", MD_LINK.sub("", MD_IMAGE.sub("", body)))
    bare = BARE_URL.findall(without_links)
    vague = sorted({t.strip() for t in texts if t.strip().lower().rstrip(".!:") in VAGUE_LINK_TEXTS})
    if vague:
        listed = ", ".join(f"”{t}”" for t in vague)
        findings.append(Finding("problem", f"Länktexten {listed} säger inte vart länken leder. Den som använder "
                                           "skärmläsare hoppar ofta mellan länkar och hör bara länktexten. Skriv "
                                           "vad man hittar, till exempel ”Bibliotekets öppettider i sommar”."))
    elif re.search(r"\bklicka här\b", without_links, re.IGNORECASE):
        findings.append(Finding("tips", "Texten innehåller ”klicka här”. Om det blir en länk: skriv hellre vad "
                                        "länken leder till."))
    if bare:
        findings.append(Finding("tips", f"Texten har {count_noun(len(bare), 'naken webbadress', 'nakna webbadresser')}, till exempel {bare[0]}. "
                                        "Gör hellre en länk med en beskrivande text – adresser är svåra att läsa, "
                                        "särskilt upplästa."))
    empty = [t for t in texts if not t.strip()]
    if empty:
        findings.append(Finding("problem", "En länk saknar länktext och syns därför inte alls för läsaren."))
    if texts and not vague and not empty:
        findings.append(Finding("bra", f"Texten har {count_noun(len(texts), 'länk', 'länkar')} med beskrivande länktext."))
    return findings, len(texts) + len(bare)


def _review_images(body: str) -> tuple[list[Finding], int]:
    alts: list[str | None] = [m.group(1) for m in MD_IMAGE.finditer(body)]
    for tag in HTML_IMAGE.findall(body):
        match = HTML_ALT.search(tag)
        alts.append(None if match is None else (match.group(1) or match.group(2) or ""))
    if not alts:
        return [Finding("info", "Ingen bild i texten. Lägger du till en bild: skriv en alternativtext som "
                                "beskriver vad bilden visar och varför den är med, så att den som inte ser "
                                "bilden får samma information.")], 0
    findings = []
    missing = sum(1 for a in alts if a is None or not a.strip())
    poor = [a for a in alts if a and a.strip() and (a.strip().lower() in VAGUE_ALT_TEXTS or FILE_NAME.search(a.strip()))]
    if missing:
        findings.append(Finding("problem", f"{count_noun(missing, 'bild', 'bilder')} saknar alternativtext. Beskriv kort vad bilden "
                                           "visar, till exempel ”Barn som läser i bibliotekets sagohörna”."))
    if poor:
        findings.append(Finding("problem", f"Alternativtexten ”{poor[0]}” säger inte vad bilden visar. Beskriv "
                                           "innehållet i stället för att skriva att det är en bild."))
    if not missing and not poor:
        findings.append(Finding("bra", "Bilden har en alternativtext." if len(alts) == 1
                                else f"Alla {len(alts)} bilder har en alternativtext."))
    return findings, len(alts)


def review_web_text(headline: str, body: str) -> TextReview:
    """Check a web text against plain-language and accessibility advice; return findings and figures."""
    findings = _review_headline(headline)
    plain = MD_IMAGE.sub("", body)
    plain = MD_LINK.sub(lambda m: m.group(1), plain)
    plain = BARE_URL.sub("", re.sub(r"<[^>]+>", "", plain))
    words = words_in(plain)
    if not words:
        findings.append(Finding("problem", "Brödtexten är tom. Skriv eller klistra in en text att granska."))
        return TextReview(findings, {"words": 0})

    sentences = [s for s in SENTENCE_END.split(plain) if words_in(s)]
    lengths = [len(words_in(s)) for s in sentences]
    long_ones = [s for s, n in zip(sentences, lengths) if n > LONG_SENTENCE_WORDS]
    average = round(sum(lengths) / len(lengths), 1)
    if long_ones:
        examples = "; ".join(_short(s) for s in long_ones[:3])
        findings.append(Finding("tips", f"{count_noun(len(long_ones), 'mening', 'meningar')} har fler än {LONG_SENTENCE_WORDS} ord: "
                                        f"{examples}. Dela gärna upp dem – en tanke per mening."))
    else:
        findings.append(Finding("bra", f"Meningarna är i snitt {decimal(average)} ord och ingen är längre än "
                                       f"{LONG_SENTENCE_WORDS} ord."))

    paragraphs = [p for p in re.split(r"\n\s*\n", plain) if words_in(p)]
    long_paragraphs = [p for p in paragraphs if len(words_in(p)) > LONG_PARAGRAPH_WORDS]
    if len(paragraphs) == 1 and len(words) > 60:
        findings.append(Finding("tips", f"Hela texten är ett enda stycke på {len(words)} ord. Dela upp den med "
                                        "tomma rader – på en skärm läser man i korta block."))
    elif long_paragraphs:
        findings.append(Finding("tips", f"{count_noun(len(long_paragraphs), 'stycke', 'stycken')} har fler än {LONG_PARAGRAPH_WORDS} ord. "
                                        "Korta stycken är lättare att skumma på en mobil."))
    else:
        findings.append(Finding("bra", f"Texten har {count_noun(len(paragraphs), 'stycke', 'stycken')} av lagom längd."))

    link_findings, links = _review_links(body)
    image_findings, images = _review_images(body)
    findings += link_findings + image_findings

    shouting = [word for word in words if len(word) >= SHOUTING_MIN_LETTERS and word.isupper()]
    if shouting:
        findings.append(Finding("tips", f"Ord med bara versaler, som ”{shouting[0]}”, läses som att man skriker och "
                                        "är svårare att läsa. Använd hellre fetstil sparsamt."))
    exclamations = (headline + body).count("!")
    if exclamations >= 3:
        findings.append(Finding("tips", f"Texten har {exclamations} utropstecken. Ett eller inga räcker oftast."))

    readability = lix(plain) if len(words) >= LIX_MIN_WORDS else None
    if readability is not None:
        level = "info" if readability < 50 else "tips"
        findings.append(Finding(level, f"Läsbarhetsindex (LIX) är {decimal(readability)}, vilket brukar räknas som "
                                       f"{lix_label(readability)}. Webbtexter till allmänheten fungerar bäst "
                                       "under 40; korta meningar och korta ord sänker värdet."))
    else:
        findings.append(Finding("info", f"Texten har {len(words)} ord – för kort för att läsbarhetsindex (LIX) "
                                        "ska säga något."))
    stats = {"words": len(words), "sentences": len(sentences), "average_sentence": average,
             "long_sentences": len(long_ones), "paragraphs": len(paragraphs), "links": links,
             "images": images, "lix": readability}
    return TextReview(findings, stats)


EXAMPLE_HEADLINE = "NYHET!!! VI HAR FÅTT NYA BÖCKER OCH MYCKET ANNAT SOM DU KANSKE KAN VARA INTRESSERAD AV ATT LÅNA"
EXAMPLE_BODY = (
    "Biblioteket har under den gångna månaden, tack vare ett utökat medieanslag från kommunens kultur- och "
    "fritidsnämnd, haft möjlighet att köpa in ett stort antal nya titlar inom en rad olika ämnesområden som "
    "vi tror kommer att uppskattas av många av våra låntagare, både vuxna och barn, och vi vill därför passa "
    "på att informera om detta här på bloggen. Se hela listan på https://example.org/nyforvarv eller "
    "[klicka här](https://example.org/nyforvarv) för att reservera. ![IMG_2041.jpg](bokvagn.jpg)"
)


class WebTextChecker(AnswerWidget):
    """Paste a headline and a text; the checker explains what works and what to improve, and why."""

    kind = "checker"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        self.headline = w.Text(description="Rubrik", placeholder="Skriv rubriken här",
                               layout=w.Layout(width="100%"), style={"description_width": "5em"})
        self.body = w.Textarea(description="Text", placeholder="Skriv eller klistra in din text här. "
                               "Lämna en tom rad mellan styckena.",
                               layout=w.Layout(width="100%", height="14em"), style={"description_width": "5em"})
        self.check_button = w.Button(description="Granska texten", button_style="primary", icon="search")
        self.example_button = w.Button(description="Prova med ett exempel", icon="file-text")
        self.result = w.HTML()
        self.check_button.on_click(lambda _: self.check())
        self.example_button.on_click(lambda _: self.load_example())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Granska en webbtext.</strong> Skriv eller klistra in en rubrik och en text, till "
                   "exempel ett blogginlägg, och tryck på <em>Granska texten</em>. Länkar kan skrivas som "
                   "<code>[länktext](https://…)</code> och bilder som <code>![alternativtext](bild.jpg)</code>.</p>"),
            self.headline, self.body, w.HBox([self.check_button, self.example_button]), self.result, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and saved.get("text") is not None:
            self.headline.value = str(saved.get("headline", ""))
            self.body.value = str(saved.get("text", ""))
            self.result.value = self.render(review_web_text(self.headline.value, self.body.value))
            self.show_status("Din tidigare text och granskning är återställda.")

    def load_example(self) -> None:
        """Fill in a deliberately clumsy text, so a learner without a text of their own can try."""
        self.headline.value = EXAMPLE_HEADLINE
        self.body.value = EXAMPLE_BODY
        self.result.value = "<p>ℹ Exempeltexten är ifylld. Tryck på <em>Granska texten</em>.</p>"

    def check(self) -> TextReview:
        review = review_web_text(self.headline.value, self.body.value)
        self.result.value = self.render(review)
        self.save({"headline": self.headline.value, "text": self.body.value,
                   "problems": count(review.findings, "problem"), "tips": count(review.findings, "tips"),
                   "stats": review.stats})
        return review

    @staticmethod
    def render(review: TextReview) -> str:
        problems, tips = count(review.findings, "problem"), count(review.findings, "tips")
        if problems == 0 and tips == 0:
            heading = "Granskningen: inget att åtgärda."
        else:
            heading = f"Granskningen: {count_noun(problems, 'sak', 'saker')} att åtgärda och {tips} tips."
        return render_findings(review.findings, heading=heading)

    def simulate(self, rng, learner: dict | None = None) -> None:
        self.load_example()
        if rng.random() < (learner or {}).get("skill", 0.8):
            self.headline.value = "Nya böcker för vuxna och barn"
            self.body.value = ("Den här månaden har vi köpt in många nya böcker.\n\n"
                               "Se [listan över nya böcker](https://example.org/nyforvarv).")
        self.check()


# --- Markdown practice --------------------------------------------------------------------------

MARKDOWN_GOALS: dict[str, tuple[str, re.Pattern]] = {
    "rubrik": ("en rubrik – en rad som börjar med # och ett mellanslag", re.compile(r"^#{1,6}\s+\S", re.M)),
    "fetstil": ("fetstil – **två stjärnor** på var sida om orden", re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")),
    "lista": ("en punktlista – rader som börjar med - och ett mellanslag", re.compile(r"^\s*[-*+]\s+\S", re.M)),
    "lank": ("en länk – [länktext](https://adress)", re.compile(r"(?<!!)\[[^\]]+\]\(https?://[^)\s]+\)")),
}
_markdown = mistune.create_markdown(escape=True)


def markdown_goals_met(text: str) -> list[str]:
    return [goal for goal, (_, pattern) in MARKDOWN_GOALS.items() if pattern.search(text)]


def markdown_preview(text: str) -> str:
    """The text as a text cell shows it. Raw HTML is escaped and unsafe link targets are defused."""
    return _markdown(text)


class MarkdownPractice(AnswerWidget):
    """Write Markdown, see it as a text cell would show it, and tick off the four things to try."""

    kind = "checker"

    def __init__(self, key: str, *, store: AnswerStore | None = None):
        self.box = w.Textarea(placeholder="# Min rubrik\n\nHär skriver jag **fetstil**.\n\n- en punkt\n- en till",
                              layout=w.Layout(width="100%", height="10em"))
        self.show_button = w.Button(description="Visa resultatet", button_style="primary", icon="eye")
        self.goals = w.HTML()
        self.preview = w.HTML()
        self.show_button.on_click(lambda _: self.show())
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p><strong>Öva på att formatera text.</strong> Textcellerna – också ditt blogginlägg – skrivs "
                   "med <em>Markdown</em>: vanlig text med några tecken som gör rubriker, fetstil, listor och "
                   "länkar. Skriv i rutan och tryck på <em>Visa resultatet</em>.</p>"),
            self.box, self.show_button, self.goals, self.preview, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and isinstance(saved.get("text"), str):
            self.box.value = saved["text"]
            self._render(saved["text"])
            self.show_status("Din tidigare text är återställd.")

    def _render(self, text: str) -> list[str]:
        met = markdown_goals_met(text)
        rows = []
        for goal, (label, _) in MARKDOWN_GOALS.items():
            mark = "✓ Klart" if goal in met else "✗ Inte än"
            rows.append(f"<li><strong>{mark}:</strong> {escape(label)}</li>")
        summary = ("Alla fyra är klara – snyggt!" if len(met) == len(MARKDOWN_GOALS)
                   else f"{len(met)} av {len(MARKDOWN_GOALS)} klara.")
        self.goals.value = (f'<div class="ensak-feedback" role="status"><p><strong>{summary}</strong></p>'
                            f'<ul>{"".join(rows)}</ul></div>')
        self.preview.value = ('<div class="ensak-preview" style="border:1px solid #888;padding:0 1em">'
                              f'<p><em>Så här ser det ut i en textcell:</em></p>{markdown_preview(text)}</div>')
        return met

    def show(self) -> list[str]:
        met = self._render(self.box.value)
        self.save({"text": self.box.value, "goals": met})
        return met

    def simulate(self, rng, learner: dict | None = None) -> None:
        lines = ["# Mitt första försök", "Jag har lärt mig **fetstil**."]
        if rng.random() < (learner or {}).get("skill", 0.8):
            lines += ["- celler", "- kärnan", "", "[Kursens plattform](https://jupyter.org)"]
        self.box.value = "\n\n".join(lines)
        self.show()
