"""Re-applying a changed mapping to records written before the connector kept each record's value
translations: traced from a later unchanged read where there is one, otherwise said plainly on the page
and re-read only when the customer asks (a record the mapping does not change is then skipped, not written)."""
from django.urls import reverse

from audit.models import AuditRecord
from audit.services import audit_record
from syncs.flows.rippling_visma import DEPARTMENT_MAP
from syncs.mapping import VALUES_USED
from syncs.models import SyncRun, ValueMapping
from syncs.reapply import mapping_affected_records
from tests.admin.conftest import visma_employees, workers_in
from tests.admin.page import find, messages_of

A, O = AuditRecord.Action, AuditRecord.Outcome


def reapply_url(mapping):
    return reverse("customer_admin:syncs_valuemapping_reapply", args=[mapping.pk])


def written_through(mapping) -> list[AuditRecord]:
    key = f"{mapping.map_name}:{mapping.source_value}"
    return [r for r in AuditRecord.objects.filter(integration=mapping.integration, action__in=(A.CREATE, A.UPDATE),
                                                  outcome=O.OK)
            if key in (r.mapping_used or {}).get(VALUES_USED, {})]


def as_if_written_before_translations_were_kept(rows: list[AuditRecord]) -> None:
    """Audit rows are append-only: a later write of each record whose mapping_used has no translations, as
    every write had before they were recorded."""
    for row in rows:
        old_style = {k: v for k, v in row.mapping_used.items() if k != VALUES_USED}
        audit_record(tenant=row.tenant, integration=row.integration, run=row.run, action=A.UPDATE, outcome=O.OK,
                     stream=row.stream, source_ref=row.source_ref, target_ref=row.target_ref,
                     mapping_used=old_style, payload=row.payload)


def test_older_writes_are_said_to_be_untraceable_and_re_read_when_asked(
        client, owner, synced, rippling, visma, sandbox, eager_tasks, django_capture_on_commit_callbacks):
    mapping = ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"])
    rows = written_through(mapping)
    workers = workers_in(rippling, synced.mapped["id"])
    assert len(rows) == len(workers) + 1  # the department and each of its employees
    as_if_written_before_translations_were_kept(rows)
    client.force_login(owner)

    changed = client.post(reverse("customer_admin:syncs_valuemapping_change", args=[mapping.pk]),
                          {"integration": synced.integration.pk, "map_name": DEPARTMENT_MAP,
                           "source_value": synced.mapped["id"], "target_value": "HR"}, follow=True)
    assert changed.redirect_chain[-1][0] == reapply_url(mapping)  # offered although nothing can be traced
    page = find(changed, data_test="reapply-confirm")
    assert (page["data-affected"], page["data-untraced"]) == ("0", str(len(rows)))
    note = find(changed, data_test="reapply-untraced").text
    assert f"{len(rows)} older records cannot be traced" in note and "Employees: " in note
    assert find(changed, data_test="include-untraced").get("checked") is not None

    writes_before = len(sandbox.app.log.filter(vendor="visma", writes_only=True))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reapply_url(mapping), {"include_untraced": "1"}, follow=True)
    assert f"{len(rows)} record(s) are being written again with HR" in messages_of(done)[0]
    run = SyncRun.objects.filter(integration=synced.integration, trigger=SyncRun.Trigger.REPLAY).latest("pk")
    assert (run.status, run.read, run.updated, run.failed) == ("succeeded", len(rows), len(rows), 0)
    puts = [e for e in sandbox.app.log.filter(vendor="visma", writes_only=True)[writes_before:]
            if "/connect/" not in e.path]
    assert len(puts) == len(workers), "each employee written once (the department is a reference)"
    assert {e["employeeNumber"] for e in visma_employees(visma) if e["department"] == "HR"} \
        >= {str(int(w["number"])) for w in workers}
    again = find(client.get(reapply_url(mapping)), data_test="reapply-confirm")
    assert (again["data-affected"], again["data-untraced"]) == ("0", "0")


def test_an_older_write_read_unchanged_since_is_traced_through_that_read(synced):
    mapping = ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"])
    rows = written_through(mapping)
    as_if_written_before_translations_were_kept(rows)
    traced = rows[0]
    # A later run read it again and found it unchanged: that read's translations made what was written.
    audit_record(tenant=traced.tenant, integration=traced.integration, action=A.SKIP, outcome=O.OK,
                 stream=traced.stream, source_ref=traced.source_ref, reason="unchanged since last write",
                 mapping_used={VALUES_USED: {f"{DEPARTMENT_MAP}:{synced.mapped['id']}": "IT"}})
    ValueMapping.objects.filter(pk=mapping.pk).update(target_value="HR")
    mapping.refresh_from_db()

    affected = mapping_affected_records(mapping=mapping)
    assert affected.records == {traced.stream: [traced.source_ref]} and affected.old_targets == {"IT": 1}
    assert affected.untraced_count == len(rows) - 1
    assert traced.source_ref not in sum(affected.untraced.values(), [])


def test_a_record_written_through_no_translation_is_not_untraced(synced):
    mapping = ValueMapping.objects.get(integration=synced.integration, source_value=synced.mapped["id"])
    # Every write of the real run kept its translations (an empty set too): nothing is untraced.
    assert AuditRecord.objects.filter(integration=synced.integration, action__in=(A.CREATE, A.UPDATE)).exists()
    assert all(VALUES_USED in r.mapping_used for r in
               AuditRecord.objects.filter(integration=synced.integration, action__in=(A.CREATE, A.UPDATE, A.SKIP)))
    assert mapping_affected_records(mapping=mapping).untraced_count == 0
