"""Every legal or factual claim in the task texts carries a deep link to its source, and every task says
when it was last checked. The claims are listed in tests/content_claims.toml, beside this test."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
CLAIMS = tomllib.loads((Path(__file__).with_name("content_claims.toml")).read_text(encoding="utf-8"))["claim"]
TASK_IDS = [task["id"] for task in tomllib.loads((REPO / "course.toml").read_text(encoding="utf-8"))["task"]]
REVIEWED = re.compile(r"Senast granskad: (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
                      r"november|december) (20\d\d)")
# A cell that cites a law by its SFS number or a paragraph sign makes a legal claim.
CITES_LAW = re.compile(r"\(\d{4}:\d+\)|§")
LAW_SITES = ("lagen.nu", "www.riksdagen.se", "riksdagen.se")


def notebook(task_id: str) -> nbformat.NotebookNode:
    return nbformat.read(REPO / "source" / task_id / f"{task_id}.ipynb", as_version=4)


def markdown_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The text of each markdown cell by grade_id (the learner's reflection excepted: it is not ours)."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and not meta.get("solution"):
            cells[meta.get("grade_id", "")] = cell.source
    return cells


def links(text: str) -> set[str]:
    """The targets of the Markdown links in a text."""
    return set(re.findall(r"\]\((\S+?)\)", text))


def claims_without_their_link(nb: nbformat.NotebookNode, claims: list[dict]) -> list[str]:
    """A sentence for each claim whose cell is missing or does not link to the claim's source."""
    cells = markdown_cells(nb)
    problems = []
    for claim in claims:
        text = cells.get(claim["cell"])
        if text is None:
            problems.append(f"{claim['task']}: no markdown cell {claim['cell']!r} for the claim {claim['claim']!r}")
        elif claim["url"] not in links(text):
            problems.append(f"{claim['task']}/{claim['cell']}: the claim {claim['claim']!r} "
                            f"has no link to {claim['url']}")
    return problems


def test_is_every_claim_about_a_task_of_the_course():
    for claim in CLAIMS:
        assert set(claim) == {"task", "cell", "claim", "url"}, f"{claim}: task, cell, claim and url, nothing else"
        assert claim["task"] in TASK_IDS, f"{claim['task']} is not a task in course.toml"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c['task']}/{c['cell']}/{urlparse(c['url']).netloc}")
def test_is_the_source_a_deep_https_link(claim):
    url = urlparse(claim["url"])
    assert url.scheme == "https", f"{claim['url']}: sources are linked over https"
    assert url.path.strip("/") or url.query or url.fragment, \
        f"{claim['url']} is a home page; link the page that says it"
    if url.netloc in LAW_SITES and "§" in claim["claim"]:
        assert re.search(r"#(K\d+)?P\d+", claim["url"]), \
            f"{claim['url']}: a claim about a paragraph links to that paragraph (lagen.nu: #P7, #K2P4)"


@pytest.mark.parametrize("task_id", sorted({c["task"] for c in CLAIMS}))
def test_does_every_listed_claim_cell_link_its_source(task_id):
    problems = claims_without_their_link(notebook(task_id), [c for c in CLAIMS if c["task"] == task_id])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_is_every_cell_that_cites_a_law_listed_with_a_link_to_the_law(task_id):
    listed = {c["cell"] for c in CLAIMS if c["task"] == task_id}
    for grade_id, text in markdown_cells(notebook(task_id)).items():
        if not CITES_LAW.search(text):
            continue
        assert grade_id in listed, f"{task_id}/{grade_id} cites a law: list the claim in tests/content_claims.toml"
        assert any(urlparse(link).netloc in LAW_SITES for link in links(text)), \
            f"{task_id}/{grade_id} cites a law without linking it on lagen.nu or riksdagen.se"


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_does_the_task_say_when_it_was_last_reviewed(task_id):
    text = "\n".join(markdown_cells(notebook(task_id)).values())
    assert len(REVIEWED.findall(text)) == 1, f"{task_id}: one line 'Senast granskad: <månad> <år>'"


def test_would_a_claim_cell_without_its_link_be_caught():
    """The check itself: the same claim passes with its link and is reported once the link is gone."""
    claim = {"task": "t", "cell": "lag", "claim": "7 § bibliotekslagen", "url": "https://lagen.nu/2013:801#P7"}

    def task_with(text):
        cell = new_markdown_cell(text, metadata={"nbgrader": {"grade_id": "lag", "grade": False, "solution": False}})
        return new_notebook(cells=[cell])

    assert claims_without_their_link(task_with("Enligt [7 §](https://lagen.nu/2013:801#P7) ska …"), [claim]) == []
    assert claims_without_their_link(task_with("Enligt 7 § bibliotekslagen ska …"), [claim])
    assert claims_without_their_link(task_with("Enligt [lagen](https://lagen.nu/2013:801) ska …"), [claim])
