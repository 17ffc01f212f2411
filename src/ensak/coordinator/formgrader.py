"""`ensak formgrader`: nbgrader's formgrader in the coordinator's browser, for reading and grading reflections.

formgrader is a page of a Jupyter server (nbgrader retired its standalone command), so this starts
JupyterLab in the course directory, where nbgrader finds nbgrader_config.py, and opens /formgrader.
The server listens on loopback only. Its token is generated here and handed over in the environment,
never on the command line: on a machine shared with learner accounts (`ensak hub`) anyone can read
another process's command line, and the token opens a server that runs with the coordinator's rights.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ensak.processes import die_with_parent, sigterm_as_interrupt

FORMGRADER_PATH = "/formgrader"


class FormgraderError(RuntimeError):
    """formgrader cannot start; the message is Swedish and says what to do."""


@dataclass(frozen=True)
class FormgraderServer:
    """What `ensak formgrader` starts: the command, where it runs, and the address to open."""

    command: list[str]
    course_dir: Path
    url: str
    token: str

    @property
    def address(self) -> str:
        """The address with the token, for a browser that has not logged in yet."""
        return f"{self.url}?token={self.token}"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def formgrader_server(course_dir: Path, port: int, *, open_browser: bool) -> FormgraderServer:
    """The JupyterLab command that shows formgrader for `course_dir` on 127.0.0.1:`port`; raises FormgraderError."""
    course_dir = Path(course_dir).resolve()
    if not (course_dir / "nbgrader_config.py").is_file():
        raise FormgraderError(f"{course_dir} är ingen kurskatalog (nbgrader_config.py saknas). Gå till kursens "
                              "katalog eller ange den med --course-dir.")
    lab = shutil.which("jupyter-lab") or str(Path(sys.executable).parent / "jupyter-lab")
    if not Path(lab).exists():
        raise FormgraderError("JupyterLab är inte installerat i ensaks miljö. Kör ./scripts/bootstrap i ensaks "
                              "katalog och försök igen.")
    if not port_is_free(port):
        raise FormgraderError(f"Port {port} används redan (kanske av en formgrader som redan är igång). Öppna den "
                              f"i webbläsaren eller välj en annan port med --port.")
    command = [lab, f"--ServerApp.root_dir={course_dir}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.default_url={FORMGRADER_PATH}", "--LabApp.log_level=WARN",
               f"--ServerApp.open_browser={open_browser}", "--ServerApp.log_level=WARN"]
    if os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    return FormgraderServer(command, course_dir, f"http://127.0.0.1:{port}{FORMGRADER_PATH}",
                            secrets.token_urlsafe(24))


def run_formgrader(server: FormgraderServer, echo) -> int:
    """Run the server until Ctrl-C or SIGTERM, and stop it with this command; returns its exit code."""
    echo(f"Formgrader: {server.address}\n"
         "Där läser och bedömer du reflektionerna och skriver kommentarer till deltagarna. Adressen fungerar bara "
         "på den här datorn; dela den inte. Ctrl-C stänger formgrader.")
    environment = {**os.environ, "JUPYTER_TOKEN": server.token}
    with sigterm_as_interrupt():
        # The server ends with this command even if it is killed outright: no orphan keeps the port.
        process = subprocess.Popen(server.command, cwd=server.course_dir, env=environment,
                                   preexec_fn=die_with_parent)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=30)
            return 0
