"""JupyterLab in Swedish: the sv_SE language pack in lab/language-pack-sv-SE, as JupyterLab's own machinery finds it.

The browser side (what a learner sees on the hub) is checked in test_browser.py.
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

PACK = Path(__file__).resolve().parents[1] / "lab" / "language-pack-sv-SE"
MESSAGES = PACK / "jupyterlab_language_pack_sv_SE" / "locale" / "sv_SE" / "LC_MESSAGES"

# What a learner meets on the way through a task, as (message context, English id) -> the Swedish they read.
LEARNER_PATH = {
    # the menu bar (JupyterLab translates its titles in the browser)
    ("menu", "File"): "Arkiv", ("menu", "Edit"): "Redigera", ("menu", "View"): "Visa", ("menu", "Run"): "Kör",
    ("menu", "Kernel"): "Kärna", ("menu", "Tabs"): "Flikar", ("menu", "Settings"): "Inställningar",
    ("menu", "Help"): "Hjälp",
    # the file browser: toolbar, context menu, dialogs
    (None, "New Folder"): "Ny mapp", (None, "Upload Files"): "Ladda upp filer", (None, "Rename"): "Byt namn",
    (None, "Delete"): "Ta bort", (None, "Download"): "Ladda ned", (None, "Move to Trash"): "Flytta till papperskorgen",
    (None, "Name"): "Namn", (None, "Last Modified"): "Senast ändrad", (None, "Open"): "Öppna",
    (None, "Refresh the file browser."): "Uppdatera filbläddraren.", ("menu", "Open With"): "Öppna med",
    # the notebook toolbar
    (None, "Save and create checkpoint"): "Spara och skapa en kontrollpunkt",
    (None, "Insert a cell below"): "Infoga en cell nedanför", (None, "Cut the selected cells"): "Klipp ut de markerade cellerna",
    (None, "Copy the selected cells"): "Kopiera de markerade cellerna",
    (None, "Paste cells from the clipboard"): "Klistra in celler från Urklipp",
    (None, "Run the selected cells and advance"): "Kör de markerade cellerna och gå vidare",
    (None, "Interrupt the kernel"): "Avbryt körningen", (None, "Restart the kernel"): "Starta om kärnan",
    (None, "Select the cell type"): "Välj celltyp", (None, "Code"): "Kod",
    # kernel status, save and kernel messages and dialogs
    (None, "Idle"): "Ledig", (None, "Busy"): "Upptagen", (None, "Starting"): "Startar",
    (None, "Kernel status: %1"): "Kärnans status: %1", (None, "Restart Kernel?"): "Starta om kärnan?",
    (None, "Save your work"): "Spara ditt arbete", (None, "Saving completed"): "Sparat",
    (None, "File Changed"): "Filen har ändrats", (None, "Cancel"): "Avbryt", (None, "Restart"): "Starta om",
    (None, "Select Kernel"): "Välj kärna", (None, "Close without saving"): "Stäng utan att spara",
    (None, "Notebook not trusted: %1 of %2 code cells trusted."):
        "Anteckningsboken är inte betrodd: %1 av %2 kodceller är betrodda.",
    # the launcher and the document tabs
    (None, "Launcher"): "Startsida", (None, "Notebook"): "Anteckningsbok", (None, "Close Tab"): "Stäng fliken",
    (None, "Close All Other Tabs"): "Stäng alla andra flikar",
}


def load_pack_module(name: str):
    spec = importlib.util.spec_from_file_location(name, PACK / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def messages_in(name: str, content: bytes) -> dict:
    """The translations in a compiled JSON or MO file (an MO header names the Babel that wrote it: left out)."""
    if name.endswith(".json"):
        return json.loads(content)
    catalog = dict(gettext.GNUTranslations(io.BytesIO(content))._catalog)
    catalog.pop("", None)
    return catalog


def jed_key(context: str | None, msgid: str) -> str:
    return f"{context}\x04{msgid}" if context else msgid


def test_jupyterlab_finds_the_swedish_pack_and_it_translates_the_learners_path():
    """Does JupyterLab's translation machinery list sv_SE, and does the pack it serves the browser translate every
    string on a learner's path?"""
    from jupyterlab_server.translation_utils import get_language_pack, get_language_packs

    packs, message = get_language_packs()
    assert not message, message
    assert packs["sv_SE"]["nativeName"] == "Svenska (Sverige)"

    data, message = get_language_pack("sv_SE")
    assert not message, message
    bundle = data["jupyterlab"]
    assert bundle[""]["language"] == "sv-SE"
    untranslated = [msgid for (context, msgid) in LEARNER_PATH if jed_key(context, msgid) not in bundle]
    assert not untranslated, f"no Swedish for: {untranslated}"
    wrong = {msgid: bundle[jed_key(context, msgid)][0] for (context, msgid), swedish in LEARNER_PATH.items()
             if bundle[jed_key(context, msgid)][0] != swedish}
    assert not wrong, wrong
    # Plural forms: Swedish has two, and the browser picks one by count.
    assert bundle["Delete Cell"] == ["Ta bort cell", "Ta bort celler"]
    assert data["jupyterlab_widgets"]["Save Widget State Automatically"] == ["Spara komponenternas tillstånd automatiskt"]


def test_the_server_translates_settings_schemas_from_the_compiled_catalog():
    """Does the server, with the learner's locale, translate a schema's menu labels (its context menus come from there)?"""
    from jupyterlab_server.translation_utils import DEFAULT_LOCALE, translator

    schema_file = Path(__import__("sys").prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab" / \
        "filebrowser-extension" / "open-with.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    try:
        translator.set_locale("sv_SE")
        translated = translator.translate_schema(schema)
    finally:
        translator.set_locale(DEFAULT_LOCALE)
    assert translated["jupyter.lab.menus"]["context"][0]["submenu"]["label"] == "Öppna med"


def test_the_installed_pack_is_built_from_the_committed_catalogs():
    """Is what JupyterLab loads exactly what the PO files in the repository compile to (no stale install)?"""
    import jupyterlab_language_pack_sv_SE

    compile_catalogs = load_pack_module("compile_catalogs")
    installed = Path(jupyterlab_language_pack_sv_SE.__file__).parent / "locale" / "sv_SE" / "LC_MESSAGES"
    for po_path in sorted(MESSAGES.glob("*.po")):
        for name, content in compile_catalogs.compiled(po_path).items():
            assert messages_in(name, (installed / name).read_bytes()) == messages_in(name, content), (
                f"the installed {name} is not built from {po_path.name}: run `uv sync` (uv rebuilds the pack "
                "when a PO file changes)")


def test_the_catalogs_hold_every_message_id_of_the_installed_jupyterlab():
    """Are the PO files up to date with the JupyterLab in uv.lock? After upgrading JupyterLab, run
    `python lab/language-pack-sv-SE/update_catalog.py` and translate what it reports as new."""
    update_catalog = load_pack_module("update_catalog")
    assert update_catalog.main(["--check"]) == 0


@pytest.mark.parametrize("po_name", ["jupyterlab.po", "jupyterlab_widgets.po"])
def test_every_translation_keeps_the_placeholders_and_line_breaks_of_its_english_id(po_name):
    """Does each Swedish string keep %1, %2 … and the leading and trailing line breaks that JupyterLab fills in and
    joins on? A translation may leave a placeholder out only when flagged `drops-placeholder` with a reason."""
    compile_catalogs = load_pack_module("compile_catalogs")
    catalog = compile_catalogs.read_catalog(MESSAGES / po_name)
    problems = []
    for message in catalog:
        if not compile_catalogs.usable(message):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, swedish in zip(ids, strings):
            if set(re.findall(r"%\d", english)) != set(re.findall(r"%\d", swedish)):
                if "drops-placeholder" not in message.flags or not message.user_comments:
                    problems.append((english, swedish))
            if english.startswith("\n") != swedish.startswith("\n") or english.endswith("\n") != swedish.endswith("\n"):
                problems.append((english, swedish))
    assert not problems, problems


def test_learners_default_to_swedish_and_coordinators_do_not():
    """Do the learners' JupyterLab settings make sv_SE the default and give each new account that setting,
    while nothing in the coordinator's configuration sets a language?"""
    from ensak.hub.accounts import TRANSLATION_PLUGIN, learner_locale, user_settings_file

    learner_dir = Path(__file__).resolve().parents[1] / "src" / "ensak" / "hub" / "learner"
    overrides = json.loads((learner_dir / "labconfig" / "default_setting_overrides.json").read_text(encoding="utf-8"))
    assert overrides[TRANSLATION_PLUGIN] == {"locale": "sv_SE"}
    assert learner_locale() == "sv_SE"
    assert user_settings_file(Path("/home/ensak/anna"), TRANSLATION_PLUGIN) == Path(
        "/home/ensak/anna/.jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings")
    repo = learner_dir.parents[3]
    coordinator_files = [repo / "nbgrader_config.py", *(repo / "hub").glob("*.py")]
    assert not [f for f in coordinator_files if "sv_SE" in f.read_text(encoding="utf-8")]
