"""The Python environment learners' JupyterLab runs in: it must be readable by accounts other than root.

The hub runs as root, but each learner's server runs as the learner, so every folder on the way to
the interpreter, the installed packages and ensak itself must let others in. A repository cloned
under /root (mode 700) fails that; then a separate environment is built from uv.lock in a shared
place instead, with ensak installed as a package rather than pointing back into the clone.
Either way the environment must hold the learners' JupyterLab extension (ensak.hub.lab_extension).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import ensak
from ensak.course.instance import repo_root
from ensak.hub import lab_extension

DEFAULT_SHARED_ENV = Path("/opt/ensak/learner-venv")
SINGLE_USER_COMMAND = "jupyterhub-singleuser"


class LearnerEnvironmentError(RuntimeError):
    """No Python environment the learners can use. The message is Swedish and says what to do."""


def blocked_for_others(path: Path | str) -> Path | None:
    """The first folder or file on the way to `path` that an ordinary other account cannot pass, or None.

    Folders need the execute bit for others, the target itself read (and execute, for a folder).
    Symbolic links are followed, because that is where the learner's process ends up.
    """
    path = Path(os.path.abspath(path))
    real = Path(os.path.realpath(path))
    for target in {path, real}:
        for folder in reversed(target.parents):
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return folder
        mode = os.stat(target).st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & needed != needed:
            return target
    return None


def environment_problem(prefix: Path | str) -> Path | None:
    """What keeps learners from using the environment at `prefix` (None if nothing does)."""
    prefix = Path(prefix)
    python = prefix / "bin" / "python"
    singleuser = prefix / "bin" / SINGLE_USER_COMMAND
    if not singleuser.exists():
        return singleuser
    purelib = sysconfig.get_paths(vars={"base": str(prefix), "platbase": str(prefix)})["purelib"]
    checks = [python, singleuser, Path(purelib)]
    if Path(sys.prefix).resolve() == prefix.resolve():
        # An editable install points back into the clone, so ensak's own folder must be reachable too.
        checks.append(Path(ensak.__file__).parent)
    for path in checks:
        blocked = blocked_for_others(path)
        if blocked is not None:
            return blocked
    return None


def find_uv() -> str | None:
    """uv on PATH, or where scripts/bootstrap's `pip install --user uv` or pyenv put it."""
    places = [Path.home() / ".local" / "bin" / "uv", Path.home() / ".pyenv" / "shims" / "uv",
              Path(sys.prefix) / "bin" / "uv"]
    return os.environ.get("UV") or shutil.which("uv") or next((str(p) for p in places if p.exists()), None)


def build_shared_environment(target: Path | str = DEFAULT_SHARED_ENV, python: str = "/usr/bin/python3.11") -> Path:
    """Build (or bring up to date) a learners' environment at `target` from uv.lock, without dev tools."""
    uv = find_uv()
    if uv is None:
        raise LearnerEnvironmentError(
            "uv saknas, så ingen miljö för deltagarna kan byggas. Kör scripts/bootstrap först.")
    if not Path(python).exists():
        python = sys.executable
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(target))
    done = subprocess.run([uv, "sync", "--locked", "--no-dev", "--no-editable", "--quiet", "--python", python],
                          cwd=repo_root(), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise LearnerEnvironmentError(f"Miljön för deltagarna kunde inte byggas i {target}:\n{done.stderr.strip()}")
    if lab_extension.problem(target) is not None:
        # uv installs Python packages only; the task panel is copied in from this clone's build.
        try:
            lab_extension.install(target)
        except lab_extension.LabExtensionError as error:
            raise LearnerEnvironmentError(str(error)) from error
    return target


def learner_environment(target: Path | str | None = None) -> Path:
    """The prefix of a Python environment learners can run.

    Without `target`: this environment if learner accounts can reach it, else one built at
    DEFAULT_SHARED_ENV. With `target`: an environment built (or brought up to date) there.
    Raises LearnerEnvironmentError if the result still is not reachable, naming the folder that blocks,
    or lacks the learners' JupyterLab extension (without it they could neither fetch nor submit).
    """
    here = Path(sys.prefix)
    if target is None and environment_problem(here) is None:
        env = here
    else:
        env = build_shared_environment(target if target is not None else DEFAULT_SHARED_ENV)
        problem = environment_problem(env)
        if problem is not None:
            raise LearnerEnvironmentError(
                f"Deltagarkontona kan inte nå Python-miljön: {problem} är stängd för andra än ägaren. "
                "Ange en plats som andra får läsa med --learner-env, till exempel /opt/ensak/learner-venv."
            )
    missing_extension = lab_extension.problem(env)
    if missing_extension is not None:
        raise LearnerEnvironmentError(missing_extension)
    return env
