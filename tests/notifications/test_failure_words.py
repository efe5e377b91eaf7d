"""A failure e-mail blames what caused it: a value mapping the destination refused, named with its values,
or else the data at the source; never "a field mapping" by default."""
import re

from django.core import mail

from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.models import SyncRun, ValueMapping
from tests.notifications.conftest import departments, map_departments


def test_a_refused_value_from_a_value_mapping_is_blamed_on_that_mapping(integration, rippling, owner,
                                                                        run_and_notify):
    map_departments(integration, rippling)
    wrong = departments(rippling)[1]["id"]
    ValueMapping.objects.filter(integration=integration, source_value=wrong).update(target_value="GHOST")

    run = run_and_notify(integration)

    assert run.status == SyncRun.Status.PARTIAL and run.failed
    body = next(m for m in mail.outbox if "could not write" in m.subject + m.body).body
    assert "field mapping" not in body
    assert f"the value mapping Department → cost center turns “{wrong}” into “GHOST”" in body
    assert "Correct that mapping" in body and "Replay selected records" in body
    assert ValueMapping.objects.filter(integration=integration, map_name=DEPARTMENT_MAP).count() > 1
    # The run's time in the company's zone (Europe/Oslo by default), labelled, 24-hour.
    assert re.search(r"at \d{4}-\d\d-\d\d \d\d:\d\d CES?T", body) and " UTC" not in body
