"""The monitoring planner: sources become feeds, the OPML file imports, and the plan survives a rerun."""

from __future__ import annotations

import datetime as dt
import json
import random
import xml.etree.ElementTree as ET

import pytest

from ensak.learner.answers import AnswerStore
from ensak.learner.monitoring import (
    COMFORTABLE_SOURCES,
    MonitoringError,
    MonitoringPlanner,
    make_source,
    opml_document,
    plan_advice,
)
from html_helpers import unstyled


@pytest.mark.parametrize("address", ["@bibliotekarie@Mastodon.Example", "bibliotekarie@mastodon.example",
                                     "https://mastodon.example/@bibliotekarie"])
def test_does_a_mastodon_account_become_its_public_feed(address):
    source = make_source("Bibliotekarie", "mastodon", address)
    assert source.feed == "https://mastodon.example/@bibliotekarie.rss"
    assert source.page == "https://mastodon.example/@bibliotekarie"


@pytest.mark.parametrize("address", ["forskare.bsky.social", "@forskare.bsky.social",
                                     "https://bsky.app/profile/forskare.bsky.social"])
def test_does_a_bluesky_account_become_its_profile_feed(address):
    assert make_source("Forskare", "bluesky", address).feed == "https://bsky.app/profile/forskare.bsky.social/rss"


def test_is_a_feed_address_kept_as_typed():
    source = make_source("  Bloggen  ", "flode", " https://bibliotek.example/feed/ ", "Läsning och litteratur")
    assert (source.name, source.feed, source.folder) == ("Bloggen", "https://bibliotek.example/feed/",
                                                         "Läsning och litteratur")


def test_have_newsletters_and_app_networks_no_feed():
    assert not make_source("Nyhetsbrev", "nyhetsbrev", "").has_feed
    assert make_source("LinkedIn", "app", "https://www.linkedin.com/company/exempel").page.startswith("https://")


@pytest.mark.parametrize("name, kind, address, says", [
    ("", "flode", "https://a.example/feed", "namn"),
    ("Blogg", "flode", "bibliotek.example", "https://"),
    ("Konto", "mastodon", "bibliotekarie", "@namn@server.se"),
    ("Konto", "bluesky", "@namn@server.se", "bsky.social"),
    ("Brev", "nyhetsbrev", "skicka mejl", "https://"),
])
def test_is_a_source_that_cannot_be_followed_explained_in_swedish(name, kind, address, says):
    with pytest.raises(MonitoringError, match=says):
        make_source(name, kind, address)


def test_does_the_opml_file_hold_one_folder_per_theme_and_only_feeds():
    sources = [make_source("Bloggen", "flode", "https://bibliotek.example/feed/", "Biblioteksvärlden"),
               make_source("Forskare", "bluesky", "forskare.bsky.social", "Digitalt och AI"),
               make_source("Kollega", "mastodon", "@kollega@mastodon.example", "Biblioteksvärlden"),
               make_source("Nyhetsbrev", "nyhetsbrev", "", "Biblioteksvärlden")]
    created = dt.datetime(2027, 5, 17, 9, 0, tzinfo=dt.timezone.utc)
    root = ET.fromstring(opml_document(sources, created=created))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/dateCreated") == "Mon, 17 May 2027 09:00:00 +0000"
    folders = root.findall("body/outline")
    assert [f.get("text") for f in folders] == ["Biblioteksvärlden", "Digitalt och AI"]
    feeds = [(o.get("text"), o.get("type"), o.get("xmlUrl")) for o in folders[0]]
    assert feeds == [("Bloggen", "rss", "https://bibliotek.example/feed/"),
                     ("Kollega", "rss", "https://mastodon.example/@kollega.rss")]
    assert folders[0][1].get("htmlUrl") == "https://mastodon.example/@kollega"


def test_is_a_name_with_markup_characters_escaped_in_the_opml_file():
    source = make_source('Böcker & "bibliotek" <3', "flode", "https://a.example/feed?x=1&y=2")
    outline = ET.fromstring(opml_document([source])).find("body/outline/outline")
    assert outline.get("text") == 'Böcker & "bibliotek" <3'
    assert outline.get("xmlUrl") == "https://a.example/feed?x=1&y=2"


def test_does_the_advice_warn_about_an_empty_file_and_too_many_sources():
    assert plan_advice([make_source("Brev", "nyhetsbrev", "")], "dag")[0].startswith("⚠ Ingen källa har ett flöde")
    many = [make_source(f"Blogg {i}", "flode", f"https://b{i}.example/feed") for i in range(COMFORTABLE_SOURCES + 1)]
    advice = plan_advice(many, "vecka")
    assert any(a.startswith(f"⚠ {COMFORTABLE_SOURCES + 1} källor är många") for a in advice)
    assert any("samma mapp" in a for a in advice)
    assert advice[-1] == "ℹ Din rytm: en halvtimme en gång i veckan, ungefär 30 minuter i veckan. Boka in tiden i kalendern."


def add(planner, name, kind, address, folder="Biblioteksvärlden"):
    planner.name_box.value, planner.kind_choice.value = name, kind
    planner.address_box.value, planner.folder_choice.value = address, folder
    planner.add_button.click()


def make_planner(tmp_path) -> MonitoringPlanner:
    return MonitoringPlanner("bevakning", store=AnswerStore(tmp_path))


def test_does_the_planner_list_sources_write_the_file_and_save_the_plan(tmp_path):
    planner = make_planner(tmp_path)
    add(planner, "Kollega", "mastodon", "@kollega@mastodon.example")
    assert "✓ Kollega är tillagd. Flödet blir https://mastodon.example/@kollega.rss." in planner.form_feedback.value
    assert planner.name_box.value == "" and planner.address_box.value == ""
    add(planner, "Nyhetsbrev", "nyhetsbrev", "")
    assert "<td>prenumerera med e-post</td>" in unstyled(planner.table.value)
    planner.make_button.click()
    root = ET.parse(tmp_path / "omvarldsbevakning.opml").getroot()
    assert [o.get("text") for o in root.iter("outline") if o.get("type") == "rss"] == ["Kollega"]
    assert "✓ Klart!" in planner.result.value and "1 av 2 källor" in planner.result.value
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))["answers"]["bevakning"]
    assert saved["kind"] == "planner"
    assert saved["value"]["feeds"] == 1 and saved["value"]["file"] == "omvarldsbevakning.opml"


def test_does_the_planner_refuse_a_duplicate_and_explain_a_bad_address(tmp_path):
    planner = make_planner(tmp_path)
    add(planner, "Blogg", "flode", "https://a.example/feed")
    add(planner, "Samma blogg", "flode", "https://a.example/feed")
    assert "⚠ Den källan finns redan" in planner.form_feedback.value
    add(planner, "Konto", "mastodon", "kollega")
    assert "⚠ Skriv Mastodon-kontot" in planner.form_feedback.value
    assert planner.address_box.value == "kollega", "what the learner typed stays so it can be corrected"
    assert len(planner.sources) == 1


def test_does_the_planner_refuse_to_write_a_file_without_feeds(tmp_path):
    planner = make_planner(tmp_path)
    add(planner, "LinkedIn", "app", "")
    assert planner.make() is None
    assert "⚠ Ingen källa har ett flöde" in planner.result.value
    assert not (tmp_path / "omvarldsbevakning.opml").exists()


def test_can_a_source_be_removed(tmp_path):
    planner = make_planner(tmp_path)
    add(planner, "Första", "flode", "https://a.example/feed")
    add(planner, "Andra", "flode", "https://b.example/feed")
    planner.remove_choice.value = 0
    planner.remove_button.click()
    assert [s.name for s in planner.sources] == ["Andra"]
    assert [s["name"] for s in AnswerStore(tmp_path).get("bevakning")["sources"]] == ["Andra"]


def test_does_a_rerun_planner_restore_the_list_and_drop_broken_entries(tmp_path):
    planner = make_planner(tmp_path)
    add(planner, "Forskare", "bluesky", "forskare.bsky.social", "Digitalt och AI")
    planner.rhythm_choice.value = "dag"
    planner.make()
    saved = AnswerStore(tmp_path).get("bevakning")
    saved["sources"].append({"name": "Trasig", "kind": "okänd", "address": ""})
    AnswerStore(tmp_path).save("bevakning", saved, kind="planner")
    again = make_planner(tmp_path)
    assert [(s.name, s.folder) for s in again.sources] == [("Forskare", "Digitalt och AI")]
    assert again.rhythm_choice.value == "dag" and "✓ Klart!" in again.result.value
    assert "återställd" in again.status.value


def test_does_a_simulated_learner_leave_a_list_and_a_file(tmp_path):
    make_planner(tmp_path).simulate(random.Random(2))
    assert AnswerStore(tmp_path).get("bevakning")["sources"]
    assert (tmp_path / "omvarldsbevakning.opml").exists()
