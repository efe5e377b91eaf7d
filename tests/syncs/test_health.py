"""Every health state from plain facts (syncs.health.health_decide is pure: no database, a fixed clock)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from syncs.health import ConnectionState, HealthFacts, health_decide

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def connection(status="ok", name="Rippling HR", vendor="Rippling", pk=1, error=""):
    return ConnectionState(pk=pk, name=name, vendor=vendor, status=status, last_error=error,
                           last_tested_at=NOW - timedelta(hours=1))


HEALTHY = HealthFacts(enabled=True, every_minutes=60, scheduled=True,
                      connections=(connection(), connection(name="Visma ERP", vendor="Visma.net", pk=2)),
                      last_finished_status="succeeded", last_success_at=NOW - timedelta(minutes=20),
                      active_status=None, active_number=None, active_beat_at=None, held=0, failed=0)


def decide(**changes):
    return health_decide(replace(HEALTHY, **changes), now=NOW)


def kinds(health):
    return [p.kind for p in health.problems]


def test_it_is_healthy_only_without_any_problem():
    health = decide()
    assert (health.badge, health.label, health.problems) == ("healthy", "Healthy", ())


def test_a_connection_that_failed_its_test_comes_first_even_on_a_draft():
    broken = connection(status="failed", name="Boards", vendor="monday.com", pk=7, error="Not Authenticated")
    health = decide(enabled=False, last_finished_status=None, last_success_at=None, held=2,
                    connections=(broken, connection(pk=2)))
    assert health.badge == "broken" and health.label == "monday.com connection failing"
    assert kinds(health) == ["broken_connection", "records_waiting", "paused"]
    first = health.problems[0]
    assert first.connection.pk == 7
    assert "Not Authenticated" in first.text and "Nothing syncs through it" in first.text


def test_a_disabled_integration_is_paused_not_healthy():
    health = decide(enabled=False)
    assert (health.badge, health.label) == ("paused", "Paused")
    assert kinds(health) == ["paused"]


def test_a_never_enabled_draft_is_not_turned_on():
    health = decide(enabled=False, last_finished_status=None, last_success_at=None)
    assert (health.badge, health.label) == ("paused", "Not turned on")


def test_a_running_run_without_a_heartbeat_past_the_window_is_stuck(settings):
    settings.SYNC_ABANDON_AFTER_SECONDS = 60
    health = decide(active_status="running", active_number=4, active_beat_at=NOW - timedelta(minutes=5))
    assert (health.badge, health.label) == ("stuck", "Run stuck")
    assert "Run #4" in health.problems[0].text and "5 min" in health.problems[0].text


def test_a_running_run_that_beats_is_not_stuck(settings):
    settings.SYNC_ABANDON_AFTER_SECONDS = 60
    assert decide(active_status="running", active_number=4, active_beat_at=NOW - timedelta(seconds=30)).badge \
        == "healthy"


def test_a_failed_last_run_is_failing():
    health = decide(last_finished_status="failed")
    assert (health.badge, health.label) == ("failing", "Last run failed")


def test_held_and_failed_records_need_attention():
    health = decide(last_finished_status="partial", held=3, failed=1)
    assert (health.badge, health.label) == ("attention", "3 held, 1 failed record(s) waiting")


def test_a_schedule_that_fell_behind_needs_attention():
    health = decide(last_success_at=NOW - timedelta(hours=5))  # every 60 min, so 3 h at most
    assert (health.badge, health.label) == ("attention", "Behind schedule")
    assert "no run has succeeded for 5 h" in health.problems[0].text


def test_a_paused_integration_is_never_behind_schedule():
    assert kinds(decide(enabled=False, last_success_at=NOW - timedelta(days=3))) == ["paused"]


def test_an_untested_connection_is_said_before_the_first_run():
    untested = (connection(status="untested"), connection(pk=2))
    health = decide(connections=untested, last_finished_status=None, last_success_at=None)
    assert (health.badge, health.label) == ("attention", "Connection not tested")
    assert decide(connections=untested).badge == "healthy"  # a run went through it: it works


@pytest.mark.parametrize("active, badge, label", [(None, "never_run", "Not run yet"),  # connections tested
                                                  ("queued", "running", "Running its first sync")])
def test_an_enabled_integration_that_never_ran(active, badge, label):
    health = decide(last_finished_status=None, last_success_at=None, active_status=active)
    assert (health.badge, health.label) == (badge, label)


def test_the_most_urgent_problem_names_the_badge():
    broken = connection(status="failed", pk=2)
    health = decide(connections=(connection(), broken), last_finished_status="failed", held=1,
                    active_status="running", active_number=9, active_beat_at=NOW - timedelta(hours=1))
    assert health.badge == "broken"
    assert kinds(health) == ["broken_connection", "stuck_run", "last_run_failed", "records_waiting"]


def test_it_unpacks_as_badge_and_label():
    badge, label = decide()
    assert (badge, label) == ("healthy", "Healthy")
