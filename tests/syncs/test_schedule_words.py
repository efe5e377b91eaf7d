"""An integration's schedule in customer words, the same on the integration list and the dashboard."""
import zoneinfo
from datetime import datetime, timezone

import pytest
from django.urls import reverse

from syncs.schedule_words import schedule_words
from syncs.services import integration_update
from tests.admin.page import find

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
WINTER = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # Oslo is UTC+1
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)  # Oslo is UTC+2
FIELD = {"class": "field-schedule"}  # the list cell of the Schedule column


@pytest.mark.parametrize(("every", "cron", "words"), [
    (15, "", "Every 15 minutes"),
    (1, "", "Every minute"),
    (60, "", "Every hour"),
    (360, "", "Every 6 hours"),
    (1440, "", "Every day"),
    (None, "*/10 * * * *", "Every 10 minutes"),
    (None, "5 * * * *", "Every hour at :05"),
    (None, "0 1 * * *", "Daily at 02:00 (Europe/Oslo)"),
    (None, "30 5 * * 1-5", "Weekdays at 06:30 (Europe/Oslo)"),
    (None, "30 23 * * 1-5", "On the timetable “30 23 * * 1-5” (UTC)"),  # Tuesday 00:30 in Oslo: not "weekdays"
    (None, "0 6 1 * *", "On the timetable “0 6 1 * *” (UTC)"),
    (None, "", "Only when started (Run now or a webhook)"),
])
def test_it_says_a_schedule_in_words_in_the_tenants_zone(every, cron, words):
    assert schedule_words(enabled=True, every_minutes=every, cron=cron, zone=OSLO, now=WINTER) == words


def test_a_time_of_day_follows_the_zones_summer_time_and_off_is_off():
    assert schedule_words(enabled=True, every_minutes=None, cron="0 1 * * *", zone=OSLO, now=SUMMER) \
        == "Daily at 03:00 (Europe/Oslo)"
    assert schedule_words(enabled=False, every_minutes=15, cron="", zone=OSLO) == "Off"
    assert schedule_words(enabled=True, every_minutes=240, cron="", backstop=True) \
        == "Every 4 hours (a backstop: webhooks carry the changes)"


def test_the_integration_list_and_the_dashboard_use_the_same_words(client, owner, integration):
    client.force_login(owner)
    changelist = reverse("customer_admin:syncs_integration_changelist")
    dashboard = reverse("customer_admin:syncs_integration_dashboard", args=[integration.pk])
    assert find(client.get(changelist), **FIELD).text == "Off"
    assert find(client.get(dashboard), data_test="schedule-words").text == "Off"

    integration_update(integration=integration, enabled=True, every_minutes=15)
    listed = client.get(changelist)
    assert find(listed, **FIELD).text == "Every 15 minutes"
    assert "Every minutes" not in listed.content.decode() and ">Cron<" not in listed.content.decode()
    assert find(client.get(dashboard), data_test="schedule-words").text == "Every 15 minutes"

    integration_update(integration=integration, every_minutes=None, cron="0 1 * * *")
    # The tenant's zone (Europe/Oslo by default), at today's offset.
    words = find(client.get(changelist), **FIELD).text
    assert words in ("Daily at 02:00 (Europe/Oslo)", "Daily at 03:00 (Europe/Oslo)")
    assert find(client.get(dashboard), data_test="schedule-words").text == words
