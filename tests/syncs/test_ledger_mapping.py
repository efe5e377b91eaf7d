"""An audit row's mapping description is the redacted description, whether the ledger redacted it whole or
only the value translations a record added to its page's (the page's part redacted once, kept for two pages
because page N settles after page N+1 was planned)."""
from audit.models import AuditRecord
from audit.redaction import redact
from syncs.engine import sync_run_create
from syncs.engine.ledger import Ledger
from syncs.mapping import VALUES_USED

A, O = AuditRecord.Action, AuditRecord.Outcome
MAPPING_COLUMN = 9  # ledger.AUDIT_COLUMNS: mapping_used


def test_each_record_gets_its_description_redacted(integration):
    ledger = Ledger(run=sync_run_create(integration=integration))
    page_1 = {"contact.email": "work_email", "department": "department_id via department_to_cost_center",
              "note": "'default' with password=abc123"}  # an inline secret in a default, masked
    page_2 = {"contact.email": "work_email", "department": "department_id via department_to_cost_center"}
    translated_1 = {**page_1, VALUES_USED: {"department_to_cost_center:d1": "ADM"}}
    secret_translation = {**page_1, VALUES_USED: {"department_to_cost_center:password": "ADM"}}  # a secret-looking key
    look_alike = {**dict(page_1), "department": "other", VALUES_USED: {"m:v": "x"}}  # same keys, other values
    translated_2 = {**page_2, VALUES_USED: {"department_to_cost_center:d2": "DEV"}}
    page_3 = {**page_2, VALUES_USED: {}}  # as the planner describes a page: no translation yet
    translated_3 = {**page_3, VALUES_USED: {"department_to_cost_center:password": "DEV"}}

    ledger.page_mapping(page_1)
    ledger.page_mapping(page_2)  # page 2 planned before page 1 settles
    given = [page_1, translated_1, secret_translation, look_alike, translated_2, page_2, None, {"missing": "m:v"}]
    for n, mapping in enumerate(given):
        ledger.audit("employees", f"u{n}", A.CREATE, O.OK, mapping=mapping)
    ledger.page_mapping(page_3)
    for n, mapping in enumerate([page_3, translated_3, translated_2]):
        ledger.audit("employees", f"v{n}", A.CREATE, O.OK, mapping=mapping)
    given += [page_3, translated_3, translated_2]

    stored = [row[MAPPING_COLUMN] for row in ledger.book.audits]
    assert stored == [redact(mapping or {}) for mapping in given]
    assert "abc123" not in str(stored)
