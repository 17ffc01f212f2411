"""Learners as operating-system accounts, so that the hub user, the OS user and the nbgrader learner id are one name.

nbgrader takes a learner's id from the OS user name of the process that fetches and submits, so
every learner gets an account of their own (in LEARNER_GROUP, home directory closed to the others),
and JupyterHub's LocalProcessSpawner starts each learner's JupyterLab as that account.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

LEARNER_GROUP = "ensak-learners"
DEFAULT_HOME_ROOT = Path("/home/ensak")
ACCOUNT_COMMENT = "ensak learner"
NO_LOGIN_SHELL = "/usr/sbin/nologin"
# Linux user names that useradd accepts everywhere; roster ids are made to fit this.
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

# The learners' interface language. learner/labconfig's override makes it JupyterLab's default, which
# the browser follows; the server translates menus and settings by the user's own setting only
# (jupyterlab_server's get_current_locale ignores overridden defaults), so each account starts with it.
TRANSLATION_PLUGIN = "@jupyterlab/translation-extension:plugin"


class AccountError(RuntimeError):
    """A learner account cannot be made or used. The message is Swedish and says what to do."""


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise AccountError(
            f"{what} kräver root: hubben startar varje deltagares JupyterLab under deltagarens eget "
            "konto på datorn. Kör kommandot med sudo."
        )


def check_usernames(learner_ids: list[str]) -> list[str]:
    """The ids, checked: each must be usable as a Linux user name. Raises AccountError naming the bad ones."""
    bad = [i for i in learner_ids if not USERNAME_PATTERN.match(i)]
    if bad:
        raise AccountError(
            "Några id i deltagarlistan kan inte bli användarnamn på datorn (små bokstäver a–z, siffror, "
            f"- och _, högst 32 tecken, börjar med en bokstav): {', '.join(bad)}"
        )
    if len(set(learner_ids)) != len(learner_ids):
        raise AccountError("Deltagarlistan har samma id två gånger.")
    return learner_ids


def learner_group_id() -> int | None:
    try:
        return grp.getgrnam(LEARNER_GROUP).gr_gid
    except KeyError:
        return None


def is_learner_account(name: str) -> bool:
    """True for an account this module made (its primary group is LEARNER_GROUP)."""
    gid = learner_group_id()
    try:
        return gid is not None and pwd.getpwnam(name).pw_gid == gid
    except KeyError:
        return False


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AccountError(f"{' '.join(command)} misslyckades: {done.stderr.strip() or done.stdout.strip()}")


def user_settings_file(home: Path, plugin_id: str) -> Path:
    """Where JupyterLab (run as the learner, HOME=home) keeps the learner's own settings of a plugin."""
    package, plugin = plugin_id.split(":")
    return home / ".jupyter" / "lab" / "user-settings" / package / f"{plugin}.jupyterlab-settings"


def learner_locale() -> str:
    """The locale the learners' JupyterLab overrides default to (src/ensak/hub/learner/labconfig)."""
    overrides = Path(__file__).parent / "learner" / "labconfig" / "default_setting_overrides.json"
    return json.loads(overrides.read_text(encoding="utf-8"))[TRANSLATION_PLUGIN]["locale"]


def _write_owned(path: Path, text: str, uid: int, gid: int) -> None:
    """Write a file in a learner's home as that learner, creating the folders below home as theirs."""
    home = Path(pwd.getpwuid(uid).pw_dir)
    missing = [p for p in reversed(path.relative_to(home).parents) if p != Path(".") and not (home / p).exists()]
    for part in missing:
        (home / part).mkdir(mode=0o700)
        os.chown(home / part, uid, gid)
    path.write_text(text, encoding="utf-8")
    os.chown(path, uid, gid)


def ensure_learner_accounts(learner_ids: list[str], home_root: Path | str = DEFAULT_HOME_ROOT) -> list[str]:
    """Make an account for every learner that has none; return the ids created.

    An existing account is reused only if this module made it: a roster id that happens to be the
    name of someone's real account on the machine is refused, never taken over.
    """
    require_root("Att skapa deltagarkonton")
    check_usernames(learner_ids)
    home_root = Path(home_root)
    home_root.mkdir(parents=True, exist_ok=True)
    home_root.chmod(0o755)
    if learner_group_id() is None:
        _run(["groupadd", "--system", LEARNER_GROUP])
    taken = [i for i in learner_ids if _exists(i) and not is_learner_account(i)]
    if taken:
        raise AccountError(
            "De här id:na är redan namn på andra konton på datorn och används inte som deltagarkonton: "
            f"{', '.join(taken)}. Ge deltagarna andra id i deltagarlistan."
        )
    created = []
    for learner_id in learner_ids:
        if not _exists(learner_id):
            _run(["useradd", "--create-home", "--home-dir", str(home_root / learner_id), "--gid", LEARNER_GROUP,
                  "--shell", NO_LOGIN_SHELL, "--comment", ACCOUNT_COMMENT, learner_id])
            created.append(learner_id)
        account = pwd.getpwnam(learner_id)
        home = Path(account.pw_dir)
        # Learners must not read each other's answers: only the owner may enter a home. (Their
        # JupyterLab opens on the task panel by itself: ensak-lab, lab/ensak-lab.)
        home.chmod(0o700)
        language = user_settings_file(home, TRANSLATION_PLUGIN)
        if not language.exists():
            _write_owned(language, json.dumps({"locale": learner_locale()}), account.pw_uid, account.pw_gid)
    return created


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def learner_uids(learner_ids: list[str]) -> dict[str, int]:
    """{id: uid} for the learner accounts that exist."""
    return {i: pwd.getpwnam(i).pw_uid for i in learner_ids if is_learner_account(i)}


def remove_learner_accounts(learner_ids: list[str]) -> list[str]:
    """Delete learner accounts and their home folders (only accounts this module made); return the ids removed."""
    require_root("Att ta bort deltagarkonton")
    removed = []
    for learner_id in learner_ids:
        if not is_learner_account(learner_id):
            continue
        home = Path(pwd.getpwnam(learner_id).pw_dir)
        _run(["userdel", learner_id])
        shutil.rmtree(home, ignore_errors=True)
        removed.append(learner_id)
    return removed
