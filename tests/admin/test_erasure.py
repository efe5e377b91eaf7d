"""Erasing people from the audit admin: owners and admins of the tenant only, after a confirmation."""
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from audit.models import AuditRecord, ErasureLog

CHANGELIST = "customer_admin:audit_auditrecord_changelist"


def erase(client, rows, *, confirm=True):
    data = {"action": "erase_people", ACTION_CHECKBOX_NAME: [r.pk for r in rows]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(reverse(CHANGELIST), data, follow=True)


def a_failed_row(synced):
    return AuditRecord.objects.filter(run=synced.run, source_ref=synced.failed[0].source_id).first()


def test_an_admin_erases_a_person_after_confirming(client, admin_user, synced):
    client.force_login(admin_user)
    row = a_failed_row(synced)

    asked = erase(client, [row], confirm=False)
    assert asked.templates[0].name == "admin/audit/auditrecord/erase_confirm.html"
    assert not ErasureLog.objects.exists()

    done = erase(client, [row])
    assert "pseudonymised" in done.content.decode()
    log = ErasureLog.objects.get()
    assert (log.requested_by, log.person_key) == (admin_user, f"source_id:{row.source_ref}")
    assert AuditRecord.objects.get(pk=row.pk).payload["work_email"].startswith("pseudonym:")
    listed = client.get(reverse("customer_admin:audit_erasurelog_changelist"))
    assert list(listed.context["cl"].result_list) == [log]


def test_a_viewer_cannot_erase(client, member, synced):
    client.force_login(member)
    row = a_failed_row(synced)

    page = client.get(reverse(CHANGELIST))
    assert "erase_people" not in page.content.decode()
    erase(client, [row])

    assert not ErasureLog.objects.exists()
    assert not AuditRecord.objects.get(pk=row.pk).payload["work_email"].startswith("pseudonym:")


def test_an_outsider_can_neither_erase_nor_see_the_log(client, owner, outsider, synced):
    row = a_failed_row(synced)
    client.force_login(outsider)

    erase(client, [row])

    assert not ErasureLog.objects.exists()
    client.force_login(owner)
    erase(client, [row])
    client.force_login(outsider)
    assert list(client.get(reverse("customer_admin:audit_erasurelog_changelist")).context["cl"].result_list) == []


def test_the_story_claims_only_what_is_true(client, owner, synced, tenant_a):
    tenant_a.audit_retention_days = 90
    tenant_a.save()
    client.force_login(owner)
    row = a_failed_row(synced)

    page = client.get(reverse("customer_admin:audit_auditrecord_story", args=[row.pk])).content.decode()

    assert "personal identifiers masked" not in page
    assert "Rows are kept for 90 days." in page
    birth_date = synced.failed[0].payload["date_of_birth"]  # the pending copy keeps it, encrypted
    assert birth_date and birth_date not in page and "[redacted]" in page
