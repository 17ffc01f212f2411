"""The learners' JupyterLab extension (lab/ensak-lab) and the learners' JupyterLab settings, without a browser.

tests/test_browser.py walks learners through what these build; here: the extension is built for the
JupyterLab this environment runs, scripts/bootstrap installed the current source, reinstalling is a
no-op when nothing changed, and every setting and disabled plugin in src/ensak/hub/learner names
something that exists (a typo there would silently leave nbgrader's English panel or a menu in place).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from ensak.hub import lab_extension

REPO = Path(__file__).resolve().parents[1]
LEARNER = REPO / "src" / "ensak" / "hub" / "learner"
SHARE = Path(sys.prefix) / "share" / "jupyter"


def package() -> dict:
    return json.loads((lab_extension.source_dir() / "package.json").read_text(encoding="utf-8"))


def core_resolutions() -> dict[str, str]:
    """The exact versions of JupyterLab's own packages in the JupyterLab installed here."""
    import jupyterlab

    core = json.loads((Path(jupyterlab.__file__).parent / "staging" / "package.json").read_text(encoding="utf-8"))
    return {name: spec.lstrip("~^") for name, spec in core["resolutions"].items()}


def test_is_the_extension_pinned_to_the_jupyterlab_in_uv_lock():
    """Every @jupyterlab package it builds against is the exact version the locked JupyterLab ships."""
    meta = package()
    core = core_resolutions()
    pinned = {name: spec for name, spec in {**meta["dependencies"], **meta["devDependencies"]}.items()
              if name.startswith("@jupyterlab/")}
    assert pinned["@jupyterlab/core-meta"] == version("jupyterlab")
    for name, spec in pinned.items():
        if name != "@jupyterlab/core-meta":
            assert spec == core[name], f"{name}: {spec} in package.json, {core[name]} in JupyterLab {version('jupyterlab')}"
    # The builder JupyterLab 4.6 itself builds with, so the shared modules match the running JupyterLab.
    assert "@jupyter/builder" in meta["devDependencies"]
    lock = json.loads((lab_extension.source_dir() / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/@jupyterlab/core-meta"]["version"] == version("jupyterlab")


def test_did_bootstrap_install_the_extension_built_from_this_source():
    reason = lab_extension.problem(sys.prefix)
    assert reason is None, reason
    listed = subprocess.run([str(Path(sys.prefix) / "bin" / "jupyter"), "labextension", "list"],
                            capture_output=True, text=True, timeout=120)
    line = next((line for line in (listed.stdout + listed.stderr).splitlines() if "ensak-lab" in line), "")
    assert "enabled" in line and "OK" in line, listed.stdout + listed.stderr
    # Quick and idempotent: nothing is built or copied when nothing changed.
    installed = lab_extension.installed_dir(sys.prefix)
    before = installed.stat().st_mtime_ns
    assert "up to date" in lab_extension.ensure_installed(sys.prefix)
    assert installed.stat().st_mtime_ns == before


def test_does_a_changed_source_call_for_a_new_build(tmp_path):
    copy = tmp_path / "ensak-lab"
    shutil.copytree(lab_extension.source_dir(), copy, ignore=shutil.ignore_patterns("node_modules", "lib",
                                                                                     "labextension"))
    assert lab_extension.source_digest(copy) == lab_extension.source_digest()
    (copy / "src" / "tasks.ts").write_text((copy / "src" / "tasks.ts").read_text(encoding="utf-8") + "\n// edit\n",
                                           encoding="utf-8")
    assert lab_extension.source_digest(copy) != lab_extension.source_digest()


def test_is_the_installed_copy_readable_by_learner_accounts(tmp_path):
    """A learner's server runs as the learner and serves the extension's files from the environment."""
    old_umask = os.umask(0o077)  # as on a machine where root's files are private by default
    try:
        installed = lab_extension.install(tmp_path / "venv")
    finally:
        os.umask(old_umask)
    assert lab_extension.problem(tmp_path / "venv") is None
    for path in [installed, *installed.rglob("*")]:
        needed = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
        assert path.stat().st_mode & needed == needed, path


def schemas() -> dict[str, dict]:
    """Every plugin's settings schema in this environment: JupyterLab's own and the prebuilt extensions'."""
    found = {}
    folders = [SHARE / "lab" / "schemas", *(SHARE / "labextensions").glob("**/schemas")]
    for folder in folders:
        for path in folder.glob("**/*.json"):
            package_name = str(path.parent.relative_to(folder))
            found[f"{package_name}:{path.stem}"] = json.loads(path.read_text(encoding="utf-8"))
    return found


def test_does_every_learner_setting_name_a_real_plugin_setting():
    overrides = json.loads((LEARNER / "labconfig" / "default_setting_overrides.json").read_text(encoding="utf-8"))
    known = schemas()
    for plugin, settings in overrides.items():
        assert plugin in known, f"no plugin {plugin} in this JupyterLab"
        for name in settings:
            assert name in known[plugin]["properties"], f"{plugin} has no setting {name!r}"
    assert overrides["ensak-lab:plugin"] == {"learnerView": True}
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "sv_SE"
    hidden = {menu["id"] for menu in overrides["@jupyterlab/mainmenu-extension:plugin"]["menus"] if menu["disabled"]}
    assert {"jp-mainmenu-run", "jp-mainmenu-kernel", "jp-mainmenu-tabs", "jp-mainmenu-settings",
            "jp-mainmenu-help"} <= hidden


MODIFIERS = {"Accel", "Ctrl", "Alt", "Cmd", "Meta"}


def character_key_shortcuts() -> list[tuple[str, tuple[str, ...], str]]:
    """Every default shortcut of this JupyterLab made of character keys alone (a letter, digit or sign,
    with or without Shift; one key or a sequence such as D D): (command, keys, selector)."""
    def character_key(stroke: str) -> bool:
        *modifiers, key = stroke.split(" ")
        return len(key) == 1 and not MODIFIERS & set(modifiers)

    found = []
    for schema in schemas().values():
        for shortcut in schema.get("jupyter.lab.shortcuts", []):
            keys = tuple(shortcut.get("keys") or ())
            if keys and all(keys) and not shortcut.get("disabled") and all(map(character_key, keys)):
                found.append((shortcut["command"], keys, shortcut["selector"]))
    return found


def test_are_all_character_key_shortcuts_off_for_learners():
    """WCAG 2.1.4: a shortcut of character keys alone must be possible to turn off. A learner who presses
    A, B, M or D D with a task in focus would add, change or remove cells; nothing in the course needs them."""
    overrides = json.loads((LEARNER / "labconfig" / "default_setting_overrides.json").read_text(encoding="utf-8"))
    disabled = {(s["command"], tuple(s["keys"]), s["selector"])
                for s in overrides["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"] if s.get("disabled")}
    defaults = character_key_shortcuts()
    assert {("notebook:insert-cell-above", ("A",)), ("notebook:delete-cell", ("D", "D"))} <= {
        (command, keys) for command, keys, _ in defaults}, "the scan finds the notebook's own"
    assert sorted(set(defaults) - disabled) == [], "turned off, with the selector JupyterLab binds them to"


def bundled_text() -> str:
    """The JavaScript of JupyterLab and every prebuilt extension, where plugin ids are written out."""
    files = [*(SHARE / "lab" / "static").glob("*.js"), *(SHARE / "labextensions").glob("**/static/*.js")]
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)


def test_does_every_disabled_plugin_exist_and_do_learners_keep_the_routes_the_panel_uses():
    disabled = json.loads((LEARNER / "labconfig" / "page_config.json").read_text(encoding="utf-8"))["disabledExtensions"]
    code = bundled_text()
    for plugin, off in disabled.items():
        assert off is True
        assert f'"{plugin}"' in code or f"'{plugin}'" in code, f"{plugin} is not in this JupyterLab"
    # nbgrader's own learner tools give way to the task panel ...
    for plugin in ("menu", "assignment-list", "validate-assignment", "course-list", "formgrader", "create-assignment"):
        assert disabled.get(f"@jupyter/nbgrader:{plugin}") is True
    # ... whose server routes stay: the assignment list (fetch, submit, feedback) and validation.
    server = json.loads((LEARNER / "jupyter_server_config.json").read_text(encoding="utf-8"))
    switched = server["ServerApp"]["jpserver_extensions"]
    assert switched.get("nbgrader.server_extensions.assignment_list", True) is True
    assert switched.get("nbgrader.server_extensions.validate_assignment", True) is True


def test_does_the_hub_refuse_an_environment_without_the_current_extension(tmp_path, monkeypatch):
    """Without the panel, learners could neither fetch nor submit: `ensak hub` says so, in Swedish, before
    it makes accounts or starts anything, both when the extension is missing and when it is out of date."""
    from ensak.hub.environment import (
        DEFAULT_SHARED_ENV,
        LearnerEnvironmentError,
        environment_problem,
        learner_environment,
    )

    # This environment, or (for a checkout in a folder closed to other accounts) the shared one built for them.
    expected = Path(sys.prefix) if environment_problem(sys.prefix) is None else DEFAULT_SHARED_ENV
    assert learner_environment() == expected
    for installed in (None, "0" * 64):
        monkeypatch.setattr(lab_extension, "installed_digest", lambda prefix, found=installed: found)
        with pytest.raises(LearnerEnvironmentError, match="scripts/bootstrap"):
            learner_environment()
