"""Several courses (libraries or cohorts) side by side: comparing them with ensak.analytics.progress.compare_cohorts.

The hub side (each course its own id, roster and gradebook, learners kept apart) runs for real in
tests/test_ngshare.py; here are the numbers, checked by hand on small grids.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ensak.analytics import progress as P
from test_progress import small_course

TODAY = dt.date(2027, 2, 15)
RELEASES = ["2027-01-01", "2027-01-15", "2027-03-01"]


@pytest.fixture
def cohorts():
    north = small_course({"anna": ["2027-01-02", "2027-01-20", "2027-03-02"],  # the last one is after today
                          "bo": ["2027-01-03", "2027-01-16"],
                          "cilla": []}, RELEASES)
    south = small_course({"dan": ["2027-01-10"], "eva": ["2027-02-10", "2027-02-11"]}, RELEASES)
    return {"Norrbiblioteken": north, "Söderbiblioteken": south}


def row(frame, cohort):
    return frame.set_index(P.COHORT).loc[cohort]


def test_does_each_cohort_get_one_row_in_the_order_given(cohorts):
    compared = P.compare_cohorts(cohorts, TODAY)
    assert list(compared[P.COHORT]) == ["Norrbiblioteken", "Söderbiblioteken"]
    assert list(compared[P.LEARNERS]) == [3, 2]
    assert list(compared[P.TASKS_RELEASED]) == [2, 2]


def test_are_positions_and_shares_counted_per_cohort_as_of_today(cohorts):
    compared = P.compare_cohorts(cohorts, TODAY)
    north, south = row(compared, "Norrbiblioteken"), row(compared, "Söderbiblioteken")
    # anna's third submission is after today and does not count: positions 2, 2, 0.
    assert north[P.SUBMISSIONS] == 4
    assert north[P.MEDIAN] == 2 and north[P.SPREAD] == 2
    assert north[P.SHARE_CAUGHT_UP] == pytest.approx(2 / 3)
    assert north[P.SHARE_FINISHED] == 0
    # Active means a submission within 21 days of today: in the north nobody since 20 January.
    assert north[P.SHARE_ACTIVE] == 0
    assert south[P.MEDIAN] == 1.5 and south[P.SPREAD] == 1
    assert south[P.SHARE_CAUGHT_UP] == pytest.approx(1 / 2)
    assert south[P.SHARE_ACTIVE] == pytest.approx(1 / 2)


def test_does_a_course_with_nobody_in_it_compare_without_failing(cohorts):
    empty = small_course({}, RELEASES)
    compared = P.compare_cohorts({**cohorts, "Ny kurs": empty}, TODAY)
    new = row(compared, "Ny kurs")
    assert new[P.LEARNERS] == 0 and new[P.SUBMISSIONS] == 0
    assert math.isnan(new[P.SHARE_CAUGHT_UP]) and math.isnan(new[P.MEAN_SCORE])
