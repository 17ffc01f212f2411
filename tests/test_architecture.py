"""Does the package keep its rooms apart? The learner's kernel must never load the grading driver."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

# What a learner's kernel may never import: it would put the coordinator's tools (and the gradebook)
# one import away from a task notebook.
FORBIDDEN_FOR_LEARNERS = ("ensak.sync", "ensak.analytics", "ensak.care", "ensak.nbgrader", "ensak.outreach",
                          "ensak.coordinator", "ensak.hub", "nbgrader")


def modules_after_import(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("statement", [
    "import ensak.learner",
    "from ensak.learner import *",
    "from ensak.learner import grading",
])
def test_does_a_learners_kernel_import_nothing_of_the_coordinators_tools(statement):
    loaded = modules_after_import(statement)
    assert "ensak.learner" in loaded
    reached = [m for m in loaded if m.startswith(FORBIDDEN_FOR_LEARNERS)]
    assert reached == [], f"{statement!r} loads {reached}"


def test_would_the_check_notice_a_forbidden_import():
    """The check itself can fail: importing sync is seen."""
    loaded = modules_after_import("import ensak.sync")
    assert any(m.startswith("ensak.sync") for m in loaded)


# What each room may import (docs/architecture.md has the same table). Shared concept modules at the
# top of the package import nothing of ensak; cli and demo may import everything.
SHARED = {"atomic_files", "swedish", "slugs", "html_tables", "processes"}
MAY_IMPORT = {
    "learner": {"course"},
    "course": {"learner", "nbgrader", "outreach"},
    "nbgrader": {"course", "learner"},
    "sync": {"course", "nbgrader", "outreach"},
    "analytics": {"course", "learner", "nbgrader", "outreach"},
    "outreach": {"course", "learner", "nbgrader", "analytics"},
    "care": {"course", "nbgrader", "outreach", "sync"},
    "coordinator": {"course", "outreach", "sync"},
    "hub": {"course", "nbgrader"},
}


def room_imports() -> dict[str, set[str]]:
    """{room: the other rooms its modules import}, read from the source with ast."""
    package = Path(__file__).resolve().parents[1] / "src" / "ensak"
    found: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        room = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                parts = name.split(".")
                if parts[0] == "ensak" and len(parts) > 1 and parts[1] != room:
                    found.setdefault(room, set()).add(parts[1])
    return found


def test_does_each_room_import_only_what_the_architecture_allows():
    unexpected = {}
    for room, targets in room_imports().items():
        if room in {"cli", "demo", "__init__"}:
            continue
        allowed = set() if room in SHARED else MAY_IMPORT[room] | SHARED
        if targets - allowed:
            unexpected[room] = sorted(targets - allowed)
    assert unexpected == {}, f"imports across rooms that docs/architecture.md does not allow: {unexpected}"
