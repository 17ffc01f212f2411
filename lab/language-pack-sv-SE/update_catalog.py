"""Bring the Swedish catalogs up to date with the JupyterLab installed in this environment.

    python lab/language-pack-sv-SE/update_catalog.py          # rewrite the PO files
    python lab/language-pack-sv-SE/update_catalog.py --check  # exit 1 if they are not up to date

Upstream language packs take their message ids from `.pot` templates that JupyterLab's maintainers
extract from the TypeScript sources. This pack is pinned to no source checkout, so the ids are read
from what JupyterLab actually ships: the bundled JavaScript (every `trans.__("…")`, `trans._p(…)`,
`trans._n(…)` and `trans._np(…)` call keeps its method name and literal arguments after
minification) and the settings schemas, whose titles, descriptions and menu and toolbar labels the
server translates (`jupyterlab_server.translation_utils.DEFAULT_SCHEMA_SELECTORS`).

Translations of ids that still exist are kept. Ids JupyterLab no longer has become obsolete entries
(`#~`), and a changed id gets the old translation marked fuzzy: a fuzzy entry is not used until a
translator checks it and removes the flag. Both are gettext's usual `msgmerge` behaviour, done with
Babel, which JupyterLab's server already depends on.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import sysconfig
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from jupyterlab_server.translation_utils import DEFAULT_SCHEMA_SELECTORS

LOCALE = "sv_SE"
HERE = Path(__file__).resolve().parent
MESSAGES = HERE / "jupyterlab_language_pack_sv_SE" / "locale" / LOCALE / "LC_MESSAGES"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# The translation call names survive minification: they are property names of the bundle object.
CALL = re.compile(r"\.(__|_n|_p|_np)\(\s*")
ARGUMENT_COUNT = {"__": 1, "_n": 2, "_p": 2, "_np": 3}
# Schema paths whose strings the server translates, with the message context it looks them up in: the
# server's own table, so the catalog holds exactly the ids it will ask for.
SCHEMA_SELECTORS = {f"/{selector}": context for selector, context in DEFAULT_SCHEMA_SELECTORS.items()}
I18N_CONFIG = "jupyter.lab.internationalization"
JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def share_dir() -> Path:
    return Path(sysconfig.get_paths()["data"]) / "share" / "jupyter"


def domains() -> dict[str, tuple[list[Path], list[Path]]]:
    """Each translation domain with the folders of its JavaScript and of its settings schemas."""
    share = share_dir()
    widgets = share / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    return {
        # JupyterLab's own packages all load the "jupyterlab" domain; the server also translates the
        # schemas of extensions that name no domain of their own in it.
        "jupyterlab": ([share / "lab" / "static"], [share / "lab" / "schemas" / "@jupyterlab"]),
        "jupyterlab_widgets": ([widgets / "static"], []),
    }


def read_js_string(text: str, start: int) -> tuple[str | None, int]:
    """The JavaScript string literal at `start` (decoded) and the index after it; None if there is none."""
    quote = text[start:start + 1]
    if quote not in ("'", '"', "`"):
        return None, start
    out, i = [], start + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(out), i + 1
        if quote == "`" and text.startswith("${", i):
            return None, i  # an interpolated template is not a fixed message id
        if char == "\\":
            nxt = text[i + 1]
            if nxt == "x":
                out.append(chr(int(text[i + 2:i + 4], 16)))
                i += 4
                continue
            if nxt == "u":
                if text[i + 2] == "{":
                    end = text.index("}", i)
                    out.append(chr(int(text[i + 3:end], 16)))
                    i = end + 1
                else:
                    out.append(chr(int(text[i + 2:i + 6], 16)))
                    i += 6
                continue
            if nxt == "\n":  # line continuation
                i += 2
                continue
            out.append(JS_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return None, i


def messages_in_js(text: str):
    """(context, id, plural id) of every translation call with literal arguments in `text`."""
    for match in CALL.finditer(text):
        name, position, strings = match.group(1), match.end(), []
        for _ in range(ARGUMENT_COUNT[name]):
            value, position = read_js_string(text, position)
            if value is None:
                break
            strings.append(value)
            rest = re.match(r"\s*,\s*", text[position:])
            if rest is None:
                break
            position += rest.end()
        if len(strings) < ARGUMENT_COUNT[name] or not strings[-1 if name in ("__", "_p") else 0]:
            continue
        if name == "__":
            yield None, strings[0], None
        elif name == "_p":
            yield strings[0], strings[1], None
        elif name == "_n":
            yield None, strings[0], strings[1]
        else:
            yield strings[0], strings[1], strings[2]


def messages_in_schema(schema: dict, selectors: dict[str, str] | None = None, path: str = ""):
    """(context, id, location) of every string the server translates in a settings schema."""
    if selectors is None:
        extra = schema.get(I18N_CONFIG, {}).get("selectors", [])
        selectors = {**SCHEMA_SELECTORS, **{f"/{selector}": "schema" for selector in extra}}
    for key, value in schema.items():
        here = f"{path}/{key}"
        if isinstance(value, str):
            context = next((c for pattern, c in selectors.items() if re.fullmatch(pattern, here)), None)
            if context is not None and value:
                yield context, value, here
        elif isinstance(value, dict):
            yield from messages_in_schema(value, selectors, here)
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, dict):
                    yield from messages_in_schema(element, selectors, f"{here}[{index}]")


def template(domain: str) -> Catalog:
    """A catalog of every message id the installed packages use in `domain`, with no translations."""
    js_dirs, schema_dirs = domains()[domain]
    found: dict[tuple[str | None, str], tuple[str | None, set[str]]] = {}
    for folder in js_dirs:
        for script in sorted(folder.glob("*.js")):
            for context, msgid, plural in messages_in_js(script.read_text(encoding="utf-8")):
                # One id used both alone and with a plural ("Delete Cell") becomes a plural entry: its
                # first form serves the singular calls too.
                known_plural, locations = found.setdefault((context, msgid), (plural, set()))
                if plural and not known_plural:
                    found[(context, msgid)] = (plural, locations)
    for folder in schema_dirs:
        for schema_file in sorted(folder.rglob("*.json")):
            if schema_file.name == "package.json.orig":
                continue
            where = schema_file.relative_to(folder.parent).as_posix()
            for context, msgid, location in messages_in_schema(json.loads(schema_file.read_text(encoding="utf-8"))):
                found.setdefault((context, msgid), (None, set()))[1].add(f"{where}:{location}")
    catalog = Catalog(locale=LOCALE, domain=domain, project=domain, fuzzy=False)
    for (context, msgid), (plural, locations) in sorted(found.items(), key=lambda k: (k[0][1].lower(), k[0][1],
                                                                                    k[0][0] or "")):
        # Where a schema string is used, as an extracted comment: babel reads "file:line" locations only.
        catalog.add((msgid, plural) if plural else msgid, context=context,
                    auto_comments=sorted(locations))
    return catalog


def po_text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False, include_lineno=False, sort_output=False)
    return out.getvalue()


def updated_catalog(domain: str, current: Catalog | None) -> Catalog:
    fresh = template(domain)
    if current is None:
        current = Catalog(locale=LOCALE, domain=domain, project=domain, fuzzy=False)
    current.update(fresh, update_header_comment=False, update_creation_date=False)
    current.project = domain
    current.version = installed_version(domain)
    current.language_team = "Swedish"
    current.last_translator = "ensak contributors"
    current.msgid_bugs_address = ""
    current.header_comment = (f"# Swedish (Sweden) translations of {domain}, for JupyterLab's sv_SE language pack.\n"
                              "# Same licence as the pack (BSD-3-Clause). Update the ids with update_catalog.py.\n#")
    current.fuzzy = False
    current._num_plurals, current._plural_expr = 2, "(n != 1)"
    return current


def installed_version(domain: str) -> str:
    from importlib.metadata import version

    return version(domain.replace("_", "-"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether the PO files are up to date")
    args = parser.parse_args(argv)
    stale = []
    for domain in domains():
        po_path = MESSAGES / f"{domain}.po"
        current = read_po(po_path.open("rb"), locale=LOCALE, domain=domain) if po_path.exists() else None
        before = po_path.read_bytes() if po_path.exists() else b""
        catalog = updated_catalog(domain, current)
        after = po_text(catalog)
        translated = sum(1 for m in catalog if m.id and m.string and not m.fuzzy
                         and (not isinstance(m.string, tuple) or all(m.string)))
        total = sum(1 for m in catalog if m.id)
        print(f"{domain}: {translated} of {total} messages translated, {len(catalog.obsolete)} obsolete")
        if after != before:
            stale.append(domain)
            if not args.check:
                po_path.parent.mkdir(parents=True, exist_ok=True)
                po_path.write_bytes(after)
    if args.check and stale:
        print(f"out of date with the installed JupyterLab: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
