"""Buddy pairs across units: never two from one unit when it can be avoided, everyone exactly once."""

from __future__ import annotations

import itertools

import pytest

from ensak.course.pairs import Person, format_pairs, make_pairs, same_unit_groups


def staff(**units: int) -> list[Person]:
    counter = itertools.count()
    return [Person(f"p{next(counter):02d}", f"Person {unit} {i}", unit)
            for unit, size in units.items() for i in range(size)]


@pytest.mark.parametrize("units", [
    {"Stadsbiblioteket": 4, "Åby": 2, "Bokbussen": 2},
    {"Stadsbiblioteket": 5, "Åby": 5},
    {"Stadsbiblioteket": 3, "Åby": 2, "Bokbussen": 1, "Skolbiblioteket": 1},  # odd: one trio
    {"A": 1, "B": 1},
])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_are_units_kept_apart_whenever_the_roster_allows(units, seed):
    people = staff(**units)
    groups = make_pairs(people, seed)
    assert sorted(p.id for g in groups for p in g) == sorted(p.id for p in people)
    assert same_unit_groups(groups) == 0
    assert sum(len(g) == 3 for g in groups) == len(people) % 2


def test_does_a_unit_with_most_of_the_staff_meet_itself_as_little_as_possible():
    groups = make_pairs(staff(Stadsbiblioteket=6, Åby=2), seed=4)
    # 6 of 8: the two from Åby take two of the six; the other four must pair up among themselves.
    assert same_unit_groups(groups) == 2
    assert "⚠ 2 av grupperna" in format_pairs(groups)


def test_does_the_same_seed_give_the_same_pairs_and_another_seed_may_not():
    people = staff(A=4, B=4, C=4)
    assert make_pairs(people, 7) == make_pairs(people, 7)
    assert any(make_pairs(people, 7) != make_pairs(people, s) for s in range(8, 20))


def test_does_an_empty_roster_say_what_to_do():
    assert make_pairs([], 1) == [] and "ensak roster import" in format_pairs([])
