"""The answers file: saved as learners answer, restored later, never lost when damaged."""

import json

import pytest

from ensak.learner.answers import (
    ANSWER_KEY_FILE,
    ANSWERS_FILE,
    MAX_ANSWERS_BYTES,
    AnswersFileError,
    AnswerStore,
    answers_path,
    load_answers,
    read_answers_file,
)


def test_does_a_saved_answer_come_back_in_a_new_store(tmp_path):
    AnswerStore(tmp_path).save("q1", {"selected": [2]}, kind="quiz")
    again = AnswerStore(tmp_path)
    assert again.get("q1") == {"selected": [2]}
    assert load_answers(tmp_path) == {"q1": {"selected": [2]}}


def test_are_other_answers_kept_when_one_is_saved(tmp_path):
    first = AnswerStore(tmp_path)
    second = AnswerStore(tmp_path)  # e.g. two widgets opened before either saved
    first.save("a", 1)
    second.save("b", 2)
    assert load_answers(tmp_path) == {"a": 1, "b": 2}


def test_is_a_missing_file_simply_no_answers(tmp_path):
    store = AnswerStore(tmp_path)
    assert store.problem is None
    assert store.get("anything") is None
    assert load_answers(tmp_path) == {}


@pytest.mark.parametrize("content", ["{not json", "", "[1, 2, 3]", '{"answers": "nope"}', "\xff\xfe"])
def test_is_a_damaged_file_set_aside_with_a_swedish_message(tmp_path, content):
    path = tmp_path / ANSWERS_FILE
    path.write_bytes(content.encode("latin-1"))
    store = AnswerStore(tmp_path)
    assert store.problem and "svarsfil" in store.problem.lower()
    store.save("q1", "ny")
    # the damaged file still exists under another name, byte for byte
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(f"{ANSWERS_FILE}.trasig-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content.encode("latin-1")
    assert load_answers(tmp_path) == {"q1": "ny"}


def test_is_a_huge_file_refused_without_reading_it(tmp_path):
    (tmp_path / ANSWERS_FILE).write_text(" " * (MAX_ANSWERS_BYTES + 1))
    with pytest.raises(AnswersFileError, match="kB"):
        read_answers_file(tmp_path / ANSWERS_FILE)


def test_does_saving_leave_no_temporary_files(tmp_path):
    store = AnswerStore(tmp_path)
    for i in range(5):
        store.save(f"k{i}", i)
    assert sorted(p.name for p in tmp_path.iterdir()) == [ANSWERS_FILE]
    data = json.loads((tmp_path / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert data["format"] == 1 and data["answers"]["k3"]["value"] == 3 and data["answers"]["k3"]["saved"]


def test_is_the_answer_key_used_in_a_source_folder_only(tmp_path):
    (tmp_path / "course.toml").write_text("")
    task = tmp_path / "source" / "00-x"
    task.mkdir(parents=True)
    assert answers_path(task).name == ANSWER_KEY_FILE
    released = tmp_path / "release" / "00-x"
    released.mkdir(parents=True)
    assert answers_path(released).name == ANSWERS_FILE
    # a learner's own folder called "source" without a course next to it is still a learner folder
    lone = tmp_path / "home" / "source" / "00-x"
    lone.mkdir(parents=True)
    assert answers_path(lone).name == ANSWERS_FILE


def test_do_swedish_characters_survive_the_round_trip(tmp_path):
    AnswerStore(tmp_path).save("text", "Åsa läser böcker på måndagar")
    assert "Åsa läser" in (tmp_path / ANSWERS_FILE).read_text(encoding="utf-8")
    assert AnswerStore(tmp_path).get("text") == "Åsa läser böcker på måndagar"
