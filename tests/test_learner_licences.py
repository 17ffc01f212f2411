"""The Creative Commons licence chooser: which licence the answers lead to, and what learners are told."""

from __future__ import annotations

import json
import random

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.licences import LICENCES, LicenceChooser, choose_licence, credit_line


@pytest.mark.parametrize("commercial, adaptations, code", [
    (True, "ja", "by"), (True, "dela-lika", "by-sa"), (True, "nej", "by-nd"),
    (False, "ja", "by-nc"), (False, "dela-lika", "by-nc-sa"), (False, "nej", "by-nc-nd"),
])
def test_does_each_combination_of_answers_lead_to_its_creative_commons_licence(commercial, adaptations, code):
    licence = choose_licence(attribution=True, commercial=commercial, adaptations=adaptations)
    assert licence.code == code
    assert licence.url == f"https://creativecommons.org/licenses/{code}/4.0/deed.sv"
    assert licence.short == f"CC {code.upper()} 4.0"


def test_does_giving_up_attribution_lead_to_cc0_whatever_else_was_answered():
    licence = choose_licence(attribution=False, commercial=False, adaptations="nej")
    assert licence.short == "CC0 1.0"
    assert licence.url == "https://creativecommons.org/publicdomain/zero/1.0/deed.sv"


def test_are_the_swedish_names_those_of_creative_commons_deeds():
    assert LICENCES["by-nc-sa"].name == "Erkännande-IckeKommersiell-DelaLika 4.0 Internationell"
    assert LICENCES["by-nd"].name == "Erkännande-IngaBearbetningar 4.0 Internationell"


def test_does_every_licence_say_what_others_may_and_must_do():
    for licence in LICENCES.values():
        assert licence.may and licence.must and licence.advice


def test_does_a_licence_with_attribution_need_both_other_answers():
    with pytest.raises(ValueError):
        choose_licence(attribution=True, commercial=True)


def test_does_the_credit_line_name_title_creator_and_licence():
    line = credit_line(LICENCES["by"], title="Sommarboken 2027", creator="Stadsbiblioteket")
    assert line == "”Sommarboken 2027” av Stadsbiblioteket, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/deed.sv)"
    assert credit_line(LICENCES["by"]).startswith("Foto: [ditt eller bibliotekets namn], CC BY 4.0")


def test_does_the_chooser_name_link_and_explain_the_licence_and_save_it(tmp_path):
    chooser = LicenceChooser("licens", store=AnswerStore(tmp_path))
    chooser.attribution_q.value = True
    chooser.commercial_q.value = False
    chooser.adaptations_q.value = "dela-lika"
    chooser.title_box.value = "Bokcirkeln"
    chooser.choose_button.click()
    html = chooser.result.value
    assert "✓ Din licens: Erkännande-IckeKommersiell-DelaLika 4.0 Internationell (CC BY-NC-SA 4.0)" in html
    assert 'href="https://creativecommons.org/licenses/by-nc-sa/4.0/deed.sv"' in html
    assert "dela sina bearbetningar under samma licens" in html
    assert "samtycke" in html
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["licens"]
    assert saved["kind"] == "builder"
    assert saved["value"]["licence"] == "by-nc-sa"
    assert saved["value"]["credit"].startswith("”Bokcirkeln” av")


def test_does_the_chooser_say_which_questions_are_unanswered(tmp_path):
    chooser = LicenceChooser("licens", store=AnswerStore(tmp_path))
    chooser.attribution_q.value = True
    chooser.choose()
    assert "⚠ Svara på fråga 2 och 3 först" in chooser.result.value
    assert chooser.licence is None and not (tmp_path / "svar.json").exists()


def test_does_choosing_no_attribution_switch_off_the_other_questions(tmp_path):
    chooser = LicenceChooser("licens", store=AnswerStore(tmp_path))
    chooser.attribution_q.value = False
    assert chooser.commercial_q.disabled and chooser.adaptations_q.disabled
    assert chooser.choose().code == "cc0"
    chooser.attribution_q.value = True
    assert not chooser.commercial_q.disabled


def test_does_a_rerun_chooser_restore_answers_and_licence(tmp_path):
    first = LicenceChooser("licens", store=AnswerStore(tmp_path))
    first.attribution_q.value = True
    first.commercial_q.value = True
    first.adaptations_q.value = "nej"
    first.creator_box.value = "Anna Ek"
    first.choose()
    again = LicenceChooser("licens", store=AnswerStore(tmp_path))
    assert again.licence.code == "by-nd"
    assert again.adaptations_q.value == "nej" and again.creator_box.value == "Anna Ek"
    assert "CC BY-ND 4.0" in again.result.value and "återställt" in again.status.value


def test_are_saved_answers_that_cannot_make_a_licence_ignored(tmp_path):
    AnswerStore(tmp_path).save("licens", {"attribution": True, "commercial": "kanske"}, kind="builder")
    chooser = LicenceChooser("licens", store=AnswerStore(tmp_path))
    assert chooser.licence is None and chooser.result.value == ""


def test_does_a_simulated_learner_end_up_with_a_licence(tmp_path):
    chooser = LicenceChooser("licens", store=AnswerStore(tmp_path))
    chooser.simulate(random.Random(3))
    assert AnswerStore(tmp_path).get("licens")["licence"] in LICENCES
