"""The learner widgets, driven without a browser: set values, click, check what is saved and shown."""

import random

import pytest

from ensak.learner import REGISTRY, Checklist, Option, Quiz, SelfAssessment, TextAnswer
from ensak.learner.answers import ANSWERS_FILE, AnswerStore, load_answers

OPTIONS = [
    Option("Ett forum", correct=True, why="Där svarar alla varandra."),
    Option("En affisch", why="En affisch går inte att svara på."),
    Option("En radiosändning", why="Lyssnarna svarar inte i samma kanal."),
]


def make_quiz(tmp_path, multiple=False):
    options = OPTIONS if not multiple else [*OPTIONS[:2], Option("En wiki", correct=True, why="Alla kan skriva.")]
    return Quiz("q-test", "Vilket är ett socialt medium?", options, multiple=multiple, store=AnswerStore(tmp_path))


def test_does_a_right_answer_get_instant_feedback_and_get_saved(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "Ett forum"
    quiz.check_button.click()
    assert "Rätt" in quiz.feedback.value
    # every option is explained, the chosen one marked, not by colour alone
    for option in OPTIONS:
        assert option.why in quiz.feedback.value
    assert "(ditt val)" in quiz.feedback.value and "✓" in quiz.feedback.value
    saved = load_answers(tmp_path)["q-test"]
    assert saved["selected"] == [0] and saved["correct"] is True and saved["attempts"] == 1


def test_does_a_wrong_answer_say_so_and_count_attempts(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "En affisch"
    quiz.check_button.click()
    assert "Inte riktigt" in quiz.feedback.value
    quiz.radio.value = "Ett forum"
    quiz.check_button.click()
    saved = load_answers(tmp_path)["q-test"]
    assert saved["attempts"] == 2 and saved["correct"] is True


def test_does_a_first_wrong_answer_explain_only_the_chosen_option(tmp_path):
    """The key is not given away: after one wrong try only the chosen option is explained."""
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "En affisch"
    quiz.check_button.click()
    assert OPTIONS[1].why in quiz.feedback.value
    assert OPTIONS[0].why not in quiz.feedback.value and OPTIONS[2].why not in quiz.feedback.value
    assert "försökt två gånger" in quiz.feedback.value


def test_are_all_options_explained_after_a_second_wrong_try(tmp_path):
    quiz = make_quiz(tmp_path)
    for wrong in ("En affisch", "En radiosändning"):
        quiz.radio.value = wrong
        quiz.check_button.click()
    assert all(option.why in quiz.feedback.value for option in OPTIONS)
    saved = load_answers(tmp_path)["q-test"]
    assert saved["attempts"] == 2 and saved["correct"] is False and saved["first_correct"] is False


def test_is_a_first_try_right_answer_remembered_after_later_tries(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "Ett forum"
    quiz.check_button.click()
    quiz.radio.value = "En affisch"
    quiz.check_button.click()
    assert load_answers(tmp_path)["q-test"]["first_correct"] is True


def test_does_a_restored_first_wrong_answer_still_hide_the_other_explanations(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "En affisch"
    quiz.check_button.click()
    again = make_quiz(tmp_path)
    assert OPTIONS[1].why in again.feedback.value and OPTIONS[0].why not in again.feedback.value


def test_does_pressing_check_without_a_choice_ask_for_one(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.check_button.click()
    assert "inte valt" in quiz.feedback.value
    assert not (tmp_path / ANSWERS_FILE).exists()


def test_does_multiple_choice_need_all_right_options(tmp_path):
    quiz = make_quiz(tmp_path, multiple=True)
    quiz.choices[0].value = True
    quiz.check_button.click()
    assert "Inte riktigt" in quiz.feedback.value
    quiz.choices[2].value = True
    quiz.check_button.click()
    assert "Rätt" in quiz.feedback.value
    assert load_answers(tmp_path)["q-test"]["selected"] == [0, 2]


def test_is_the_answer_restored_when_the_cell_runs_again(tmp_path):
    quiz = make_quiz(tmp_path)
    quiz.radio.value = "En radiosändning"
    quiz.check_button.click()
    again = make_quiz(tmp_path)  # as after a kernel restart
    assert again.radio.value == "En radiosändning"
    assert "Inte riktigt" in again.feedback.value
    assert "återställt" in again.status.value


@pytest.mark.parametrize("bad", [dict(options=[Option("a", correct=True)]),
                                 dict(options=[Option("a"), Option("b")]),
                                 dict(options=[Option("a", correct=True), Option("b", correct=True)])])
def test_are_broken_quiz_definitions_refused(tmp_path, bad):
    with pytest.raises(ValueError):
        Quiz("q", "?", store=AnswerStore(tmp_path), **bad)


def test_is_every_self_assessment_change_saved_and_restored(tmp_path):
    skills = {"blogg": "skriva ett blogginlägg", "sok": "söka smart"}
    widget = SelfAssessment("sjalv", skills, store=AnswerStore(tmp_path))
    widget.scales["blogg"].value = 2
    assert load_answers(tmp_path)["sjalv"] == {"blogg": 2}
    widget.scales["sok"].value = 5
    assert load_answers(tmp_path)["sjalv"] == {"blogg": 2, "sok": 5}
    again = SelfAssessment("sjalv", skills, store=AnswerStore(tmp_path))
    assert again.ratings == {"blogg": 2, "sok": 5}


def test_does_the_checklist_save_ticks_and_show_progress(tmp_path):
    widget = Checklist("steg", ["Ett", "Två", "Tre"], note="Dela inte lösenord.", store=AnswerStore(tmp_path))
    widget.boxes[0].value = True
    widget.boxes[2].value = True
    assert load_answers(tmp_path)["steg"] == {"done": [0, 2], "total": 3}
    assert "2 av 3" in widget.progress.value
    assert "Dela inte lösenord." in widget.children[0].value
    again = Checklist("steg", ["Ett", "Två", "Tre"], store=AnswerStore(tmp_path))
    assert again.done == [0, 2]


def test_is_a_text_answer_saved_when_written(tmp_path):
    widget = TextAnswer("utv", "Vad var bra?", store=AnswerStore(tmp_path))
    widget.box.value = "Att ta en sak i taget."
    assert load_answers(tmp_path)["utv"] == "Att ta en sak i taget."
    assert TextAnswer("utv", "Vad var bra?", store=AnswerStore(tmp_path)).box.value == "Att ta en sak i taget."


def test_does_a_widget_explain_a_damaged_answers_file_instead_of_failing(tmp_path):
    (tmp_path / ANSWERS_FILE).write_text("{trasig")
    quiz = make_quiz(tmp_path)
    assert "⚠" in quiz.status.value and "skadad" in quiz.status.value
    quiz.radio.value = "Ett forum"
    quiz.check_button.click()
    assert load_answers(tmp_path)["q-test"]["correct"] is True


def test_does_an_unwritable_folder_give_a_message_not_a_traceback(tmp_path):
    store = AnswerStore(tmp_path / "finns-inte" / "djupt")
    (tmp_path / "finns-inte").write_text("a file where a folder should be")
    quiz = Quiz("q-x", "?", OPTIONS, store=store)
    quiz.radio.value = "Ett forum"
    quiz.check_button.click()
    assert "kunde inte sparas" in quiz.status.value


def test_are_widgets_registered_by_key_for_the_grading_cells(tmp_path):
    quiz = make_quiz(tmp_path)
    assert REGISTRY["q-test"] is quiz


def test_does_a_simulated_learner_answer_through_the_controls(tmp_path):
    rng = random.Random(1)
    quiz = make_quiz(tmp_path)
    quiz.simulate(rng, {"skill": 1.0})
    assert load_answers(tmp_path)["q-test"]["correct"] is True
    learner = {}
    skills = {"a": "A", "b": "B"}
    SelfAssessment("fore", skills, store=AnswerStore(tmp_path)).simulate(rng, learner)
    SelfAssessment("efter", skills, store=AnswerStore(tmp_path)).simulate(rng, learner)
    answers = load_answers(tmp_path)
    assert all(answers["efter"][s] >= answers["fore"][s] for s in skills)
