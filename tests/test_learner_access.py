"""The access check: what the learner's browser reports is saved, shown in words and read back for the report."""

from ensak.learner import AccessCheck
from ensak.learner.access import BLOCKED, PLATFORMS, REACHABLE, blocked_platforms
from ensak.learner.answers import AnswerStore, load_answers
from html_helpers import unstyled


def browser_answers(check: AccessCheck, blocked: set[str]) -> None:
    """What the front-end module sends back after fetching each platform."""
    check.probe.results = {name: "blocked" if name in blocked else "ok" for name in PLATFORMS}


def test_does_a_new_check_start_in_the_learners_browser_at_once(tmp_path):
    check = AccessCheck("atkomst", store=AnswerStore(tmp_path))
    assert check.probe.run == 1 and check.probe.targets == PLATFORMS
    assert "Testar" in check.status.value


def test_are_the_browsers_results_saved_and_shown_with_words(tmp_path):
    check = AccessCheck("atkomst", store=AnswerStore(tmp_path))
    browser_answers(check, {"Facebook", "Instagram"})
    saved = load_answers(tmp_path)["atkomst"]
    assert saved["results"]["Facebook"] == BLOCKED and saved["results"]["Wikipedia"] == REACHABLE
    html = unstyled(check.table.value)
    assert "<td>Facebook</td><td>✗ blockerad</td>" in html and "<td>Wikipedia</td><td>✓ nåbar</td>" in html
    assert "stoppar Facebook, Instagram" in check.table.value
    assert blocked_platforms(saved) == ["Facebook", "Instagram"]


def test_is_the_last_result_shown_again_without_a_new_test(tmp_path):
    first = AccessCheck("atkomst", store=AnswerStore(tmp_path))
    browser_answers(first, set())
    again = AccessCheck("atkomst", store=AnswerStore(tmp_path))
    assert again.probe.run == 0 and "alla tjänster" in again.table.value
    again.run_button.click()
    assert again.probe.run == 1


def test_are_unknown_platforms_and_odd_answers_ignored(tmp_path):
    assert blocked_platforms({"results": {"Evil": BLOCKED, "Facebook": BLOCKED, "YouTube": "x"}}) == ["Facebook"]
    assert blocked_platforms("blockerad") == [] and blocked_platforms({"results": []}) == []
