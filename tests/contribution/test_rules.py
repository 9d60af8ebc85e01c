"""The contribution rules as pure functions: caps, decay, window levels, competition ranks."""
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.contribution import rules

NOW = datetime(2026, 11, 22, 12, 0)


def test_points_come_from_settings_and_unknown_kinds_are_refused():
    config = {"POINTS_HELPFUL": 10, "POINTS_ACCEPTED": 15, "POINTS_SHARED": 5,
              "POINTS_LINKED": 5, "POINTS_PINGBACK": 7}
    assert [rules.points_for(k, config) for k in rules.KINDS] == [10, 15, 5, 5, 7]
    with pytest.raises(ValueError):
        rules.points_for("followed", config)


def test_the_sixth_event_from_one_member_in_a_week_counts_nothing():
    assert rules.award("shared", 5, actor_events_this_week=4, helpful_points_today=0).points == 5
    capped = rules.award("shared", 5, actor_events_this_week=5, helpful_points_today=0)
    assert capped.points == 0 and "at most 5" in capped.note


def test_helpful_points_stop_at_200_a_day_with_the_remainder_awarded():
    assert rules.award("helpful", 10, actor_events_this_week=0, helpful_points_today=190).points == 10
    partial = rules.award("helpful", 10, actor_events_this_week=0, helpful_points_today=195)
    assert partial.points == 5 and "200 points a day" in partial.note
    assert rules.award("helpful", 10, actor_events_this_week=0, helpful_points_today=200).points == 0
    # The daily cap is for helpful marks only.
    assert rules.award("accepted", 15, actor_events_this_week=0, helpful_points_today=500).points == 15


@given(st.sampled_from(rules.KINDS), st.integers(0, 50), st.integers(0, 20), st.integers(0, 400))
def test_an_award_is_never_negative_nor_more_than_the_kind_is_worth(kind, base, actor_events, today):
    awarded = rules.award(kind, base, actor_events_this_week=actor_events, helpful_points_today=today)
    assert 0 <= awarded.points <= base
    if awarded.points < base:
        assert awarded.note  # a capped award always says why
    if kind == "helpful":
        assert today + awarded.points <= max(today, rules.HELPFUL_DAILY_CAP)


def test_standing_halves_every_half_life():
    weight_then = rules.decay_weight(NOW - timedelta(days=90), 90)
    assert rules.standing(100 * weight_then, NOW, 90) == pytest.approx(50)
    assert rules.standing(100 * rules.decay_weight(NOW, 90), NOW, 90) == pytest.approx(100)


@given(st.integers(0, 4000))
def test_window_levels_match_the_windows_by_age(age_days):
    level = rules.level_at(NOW - timedelta(days=age_days, seconds=1), NOW)
    windows = rules.window_levels_counted(level)
    assert ("week" in windows) == (age_days < 7)
    assert ("month" in windows) == (age_days < 30)
    assert ("year" in windows) == (age_days < 365)


@pytest.mark.parametrize("scores, ranks", [
    ([50, 40, 40, 10], [1, 2, 2, 4]),
    ([7, 7, 7], [1, 1, 1]),
    ([], []),
    ([3, 2, 1], [1, 2, 3]),
])
def test_competition_ranks(scores, ranks):
    assert rules.competition_ranks(scores) == ranks


def test_competition_ranks_carry_ties_across_pages():
    # Page 2 starts at position 3 and its first score ties the last score of page 1 (rank 2).
    assert rules.competition_ranks([40, 40, 10], first_rank=3, previous=(40, 2)) == [2, 2, 5]


# Trust: every combination of kind, gate, giver and receiver.

ROLES = ("member", "moderator", "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("trusted_at", [None, NOW])
def test_moderators_and_admins_are_trusted_and_members_once_trusted(role, trusted_at):
    assert rules.is_trusted(role, trusted_at) == (role != "member" or trusted_at is not None)


@pytest.mark.parametrize("kind", rules.KINDS)
@pytest.mark.parametrize("gate", [True, False])
@pytest.mark.parametrize("giver_trusted", [True, False])
def test_only_recognition_from_an_untrusted_giver_is_held_and_only_while_the_gate_is_on(
        kind, gate, giver_trusted):
    held = rules.is_held(kind, gate=gate, giver_trusted=giver_trusted)
    assert held == (gate and not giver_trusted and kind in ("helpful", "accepted", "shared"))
    awarded = rules.award(kind, 10, actor_events_this_week=0, helpful_points_today=0, held=held)
    assert awarded.points == (0 if held else 10)
    assert (awarded.note == "held: the giver is not yet trusted") == held


@pytest.mark.parametrize("kind", rules.KINDS)
@pytest.mark.parametrize("gate", [True, False])
@pytest.mark.parametrize("giver_trusted", [True, False])
@pytest.mark.parametrize("receiver_trusted", [True, False])
def test_counted_recognition_from_a_trusted_giver_makes_its_receiver_trusted(
        kind, gate, giver_trusted, receiver_trusted):
    confers = rules.confers_trust(kind, gate=gate, giver_trusted=giver_trusted,
                                  receiver_trusted=receiver_trusted)
    assert confers == (gate and giver_trusted and not receiver_trusted
                       and kind in rules.RECOGNITION)
    # What confers trust is never held.
    assert not (confers and rules.is_held(kind, gate=gate, giver_trusted=giver_trusted))


def test_held_goes_before_every_cap_so_a_held_event_never_uses_up_a_cap():
    held = rules.award("helpful", 10, actor_events_this_week=9, helpful_points_today=500, held=True)
    assert held == rules.Award(0, rules.HELD_NOTE)


@pytest.mark.parametrize("earlier", range(0, 8))
def test_the_sixth_link_from_one_site_to_one_post_in_a_week_counts_nothing(earlier):
    awarded = rules.award("pingback", 5, actor_events_this_week=0, helpful_points_today=0,
                          source_events_this_week=earlier)
    if earlier < rules.SOURCE_CAP:
        assert awarded == rules.Award(5)
    else:
        assert awarded.points == 0 and "one site to one post" in awarded.note
    # The per-site cap is for links from other sites only.
    assert rules.award("linked", 5, actor_events_this_week=0, helpful_points_today=0,
                       source_events_this_week=earlier).points == 5


@given(st.sampled_from(rules.KINDS), st.integers(0, 50), st.integers(0, 20), st.integers(0, 400),
       st.booleans(), st.integers(0, 20))
def test_an_award_with_trust_and_sites_is_never_negative_and_explains_any_shortfall(
        kind, base, actor_events, today, held, site_events):
    awarded = rules.award(kind, base, actor_events_this_week=actor_events,
                          helpful_points_today=today, held=held,
                          source_events_this_week=site_events)
    assert 0 <= awarded.points <= base
    if awarded.points < base:
        assert awarded.note and awarded.note.startswith(("capped:", "held:"))
