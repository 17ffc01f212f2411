"""PO catalogs to the two forms JupyterLab reads: Jed JSON for the browser, MO for the server.

The browser's TranslationManager receives `<domain>.json` from `/lab/api/translations/sv_SE`; the
server translates settings schemas (menu titles, settings) with Python's gettext and `<domain>.mo`.
Run by the package's build hook (hatch_build.py); by hand:

    python compile_catalogs.py OUTPUT_FOLDER
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

MESSAGES = Path(__file__).resolve().parent / "jupyterlab_language_pack_sv_SE" / "locale" / "sv_SE" / "LC_MESSAGES"


def read_catalog(po_path: Path):
    with po_path.open("rb") as po:
        return read_po(po, domain=po_path.stem)


def usable(message) -> bool:
    """A translation to ship: translated in every form, and not a fuzzy guess awaiting review."""
    if not message.id or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def jed_json(catalog) -> dict:
    """The catalog as the JSON JupyterLab's front end loads: key "context\\x04id" or "id", value the forms."""
    data = {"": {"domain": catalog.domain, "version": catalog.version or "",
                 "language": str(catalog.locale).replace("_", "-"),
                 "plural_forms": catalog.plural_forms}}
    for message in catalog:
        if not usable(message):
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        key = f"{message.context}\x04{msgid}" if message.context else msgid
        data[key] = list(message.string) if isinstance(message.string, tuple) else [message.string]
    return data


def compiled(po_path: Path) -> dict[str, bytes]:
    """File name to content of the compiled forms of one PO file."""
    catalog = read_catalog(po_path)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    text = json.dumps(jed_json(catalog), ensure_ascii=False, indent=1, sort_keys=True)
    return {f"{po_path.stem}.json": text.encode("utf-8"), f"{po_path.stem}.mo": mo.getvalue()}


def compile_all(output: Path, messages: Path = MESSAGES) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for po_path in sorted(messages.glob("*.po")):
        for name, content in compiled(po_path).items():
            (output / name).write_bytes(content)
            written.append(output / name)
    return written


if __name__ == "__main__":
    for path in compile_all(Path(sys.argv[1])):
        print(path)
