"""The learners' JupyterLab extension (lab/ensak-lab): built from its source and installed into an environment.

The source is a JupyterLab 4 extension in the layout of JupyterLab's extension template. Its npm
packages come from its package-lock.json (`npm ci`); it is compiled with TypeScript and bundled with
the builder the environment's JupyterLab uses (`jupyter-builder build`, which `jupyter labextension
build` now forwards to). The result is not committed: `scripts/bootstrap` runs this module, which
builds only when the source changed and copies the result into the environment's
share/jupyter/labextensions, where JupyterLab finds prebuilt extensions.

    python -m ensak.hub.lab_extension            # build if needed, install into this environment
    python -m ensak.hub.lab_extension --check    # exit 1 (and say why) unless installed and up to date
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ensak.course.instance import repo_root

EXTENSION_NAME = "ensak-lab"
DIGEST_FILE = "ensak-source-digest.txt"
LOCK_STAMP = ".ensak-lock-digest"
# What the build reads; lib/ and labextension/ are its output.
SOURCE_PARTS = ("package.json", "package-lock.json", "tsconfig.json", "src", "style", "schema")


class LabExtensionError(RuntimeError):
    """The extension cannot be built or is missing. The message is Swedish and says what to do."""


def source_dir() -> Path:
    return repo_root() / "lab" / EXTENSION_NAME


def build_dir() -> Path:
    """Where the builder writes the prebuilt extension (package.json's jupyterlab.outputDir)."""
    return source_dir() / "labextension"


def installed_dir(prefix: Path | str) -> Path:
    """The extension's folder in an environment: JupyterLab reads prebuilt extensions from here."""
    return Path(prefix) / "share" / "jupyter" / "labextensions" / EXTENSION_NAME


def _files(source: Path) -> list[Path]:
    found = []
    for part in SOURCE_PARTS:
        path = source / part
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
    return found


def source_digest(source: Path | None = None) -> str:
    """A digest of everything the build reads, and of the JupyterLab it is built for."""
    from importlib.metadata import version

    source = source or source_dir()
    digest = hashlib.sha256(f"jupyterlab {version('jupyterlab')}\n".encode())
    for path in _files(source):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def installed_digest(prefix: Path | str) -> str | None:
    try:
        return (installed_dir(prefix) / DIGEST_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def problem(prefix: Path | str) -> str | None:
    """Why the environment at `prefix` lacks the current extension (Swedish), or None when it has it."""
    have = installed_digest(prefix)
    if have is None:
        return (f"Deltagarnas panel Uppgifter (JupyterLab-tillägget {EXTENSION_NAME}) är inte installerad i "
                f"{prefix}. Kör scripts/bootstrap i {repo_root()}, så byggs och installeras den.")
    if source_dir().is_dir() and have != source_digest():
        return (f"JupyterLab-tillägget {EXTENSION_NAME} i {prefix} är äldre än källkoden i {source_dir()}. "
                "Kör scripts/bootstrap igen, så byggs det om.")
    return None


def _run(command: list[str], cwd: Path, what: str) -> None:
    # The builder is a console script of this environment: put its bin first.
    env = dict(os.environ, PATH=f"{Path(sys.prefix) / 'bin'}:{os.environ.get('PATH', '')}")
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise LabExtensionError(f"{what} misslyckades ({' '.join(command)}):\n{done.stdout[-2000:]}{done.stderr[-4000:]}")


def install_node_packages(source: Path | None = None) -> bool:
    """`npm ci` from the lock file unless node_modules already holds exactly that lock; True if it ran."""
    source = source or source_dir()
    lock = hashlib.sha256((source / "package-lock.json").read_bytes()).hexdigest()
    stamp = source / "node_modules" / LOCK_STAMP
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == lock:
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise LabExtensionError("npm saknas, så deltagarnas JupyterLab-tillägg kan inte byggas. "
                                "Installera Debians paket npm (apt-get install npm) och kör scripts/bootstrap igen.")
    # No package needs its install scripts; not running them keeps the build to what the lock names.
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], source, "npm ci")
    stamp.write_text(lock + "\n", encoding="utf-8")
    return True


def build(source: Path | None = None) -> Path:
    """Compile and bundle the extension (offline, from node_modules); return the built folder."""
    source = source or source_dir()
    install_node_packages(source)
    # A clean compile: TypeScript's incremental record would skip emitting into a removed lib/.
    for stale in (source / "lib", source / "tsconfig.tsbuildinfo"):
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    _run([str(source / "node_modules" / ".bin" / "tsc")], source, "TypeScript")
    output = build_dir()
    shutil.rmtree(output, ignore_errors=True)
    _run([str(Path(sys.prefix) / "bin" / "jupyter-builder"), "build", str(source)], source, "jupyter-builder build")
    (output / DIGEST_FILE).write_text(source_digest(source) + "\n", encoding="utf-8")
    return output


def install(prefix: Path | str = sys.prefix) -> Path:
    """Copy the built extension into the environment at `prefix`, replacing an older copy whole."""
    built = build_dir()
    if not (built / DIGEST_FILE).exists():
        raise LabExtensionError(f"JupyterLab-tillägget {EXTENSION_NAME} är inte byggt. Kör scripts/bootstrap i "
                                f"{repo_root()}.")
    target = installed_dir(prefix)
    staging = target.with_name(f".{EXTENSION_NAME}-installing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, staging)
    for path in [staging, *staging.rglob("*")]:
        # Learner accounts serve these files from their own servers.
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def ensure_installed(prefix: Path | str = sys.prefix) -> str:
    """Build (if the source changed) and install into `prefix`; say what was done."""
    current = source_digest()
    if installed_digest(prefix) == current:
        return f"{EXTENSION_NAME} is up to date in {installed_dir(prefix)}"
    built_digest = (build_dir() / DIGEST_FILE)
    if not built_digest.exists() or built_digest.read_text(encoding="utf-8").strip() != current:
        build()
    return f"{EXTENSION_NAME} built and installed in {install(prefix)}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["--check"]:
            reason = problem(sys.prefix)
            if reason:
                print(reason, file=sys.stderr)
                return 1
            print(json.dumps({"extension": EXTENSION_NAME, "installed": str(installed_dir(sys.prefix))}))
            return 0
        print(ensure_installed(sys.prefix))
        return 0
    except LabExtensionError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
