"""The sandbox's bwrap command line, read without running it: what is mounted, and in which order."""

from __future__ import annotations

from pathlib import Path

from ensak.nbgrader import sandbox
from ensak.nbgrader.sandbox import Limits, SandboxSupport, sandbox_command


def test_is_a_python_installation_under_tmp_bound_after_the_fresh_tmp(monkeypatch):
    """A checkout under /tmp (CI's clone may be one) keeps its venv visible: bwrap mounts in order, so the
    in-memory /tmp must come before the installation bound inside it, or the kernel dies at start."""
    venv = Path("/tmp/kloning/.venv")
    monkeypatch.setattr(sandbox, "python_paths", lambda course_dir: [venv])
    args = sandbox_command(SandboxSupport("bwrap", None, "setpriv"), Path("/tmp/ensak-kernel-x"),
                           Path("/tmp/arbete"), Path("/kurs/autograded/anna/00"), Limits(), {},
                           uid=900000, command=["python"])
    fresh_tmp = args.index("/tmp", args.index("--tmpfs"))
    bound = next(i for i in range(len(args) - 2) if args[i] == "--ro-bind" and args[i + 1] == str(venv))
    assert fresh_tmp < bound
