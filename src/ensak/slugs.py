"""Names made safe for ids, file names and URLs: lowercase ASCII with hyphens ("Anna-Karin Öberg" ->
"anna-karin-oberg"). Learner ids are derived with this, so changing it changes every new learner's id."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent.
_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "þ": "th",
                                  "ł": "l", "œ": "oe", "ı": "i"})


def strip_accents(text: str) -> str:
    """'Åsa Öberg' -> 'Asa Oberg'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ascii_slug(text: str, fallback: str = "") -> str:
    """Lowercase ASCII; runs of spaces become one hyphen, other punctuation goes; `fallback` if nothing is left."""
    text = strip_accents(text.casefold().translate(_TRANSLITERATION))
    text = re.sub(r"[\s]+", "-", text.strip())
    text = re.sub(r"[^a-z0-9-]", "", text)
    return re.sub(r"-{2,}", "-", text).strip("-") or fallback
