"""The append-only trigger lets exactly two things through, each only while an AuditWriteGrant row exists in
the same transaction (audit/maintenance.py inserts it and deletes it before commit):

* purge: DELETE of a row older than its tenant's audit_retention_days (PostgreSQL; SQLite leaves DELETE to
  the test flush, see 0003);
* erase: UPDATE that changes only what may hold personal data (payload, mapping_used, reason, target_ref,
  payload_digest), never the bookkeeping (tenant, integration, run, stream, source_ref, action, outcome, time).
"""
from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_auditrecord_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM audit_auditwritegrant WHERE purpose = 'purge')
       AND OLD.created_at < now() - make_interval(days => (
           SELECT audit_retention_days FROM connections_tenant WHERE id = OLD.tenant_id)) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
       AND EXISTS (SELECT 1 FROM audit_auditwritegrant WHERE purpose = 'erase')
       AND NEW.id = OLD.id AND NEW.tenant_id = OLD.tenant_id
       AND NEW.integration_id IS NOT DISTINCT FROM OLD.integration_id
       AND NEW.run_id IS NOT DISTINCT FROM OLD.run_id AND NEW.stream = OLD.stream
       AND NEW.source_ref = OLD.source_ref AND NEW.action = OLD.action AND NEW.outcome = OLD.outcome
       AND NEW.created_at = OLD.created_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditrecord is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_DOWN = """
CREATE OR REPLACE FUNCTION audit_auditrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditrecord is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update;",
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       WHEN NOT EXISTS (SELECT 1 FROM audit_auditwritegrant WHERE purpose = 'erase')
            OR NEW.id != OLD.id OR NEW.tenant_id != OLD.tenant_id
            OR NEW.integration_id IS NOT OLD.integration_id OR NEW.run_id IS NOT OLD.run_id
            OR NEW.stream != OLD.stream OR NEW.source_ref != OLD.source_ref OR NEW.action != OLD.action
            OR NEW.outcome != OLD.outcome OR NEW.created_at != OLD.created_at
       BEGIN SELECT RAISE(ABORT, 'audit_auditrecord is append-only: UPDATE is not allowed'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update;",
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit_auditrecord is append-only: UPDATE is not allowed'); END;""",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)
    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only"), ("connections", "0002_h3_tenant_audit_retention")]
    operations = [
        migrations.CreateModel(
            name="AuditWriteGrant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("purpose", models.CharField(choices=[("purge", "Retention purge"), ("erase", "Erasure of a person")],
                                             max_length=10)),
                ("opened_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(run({"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}),
                             run({"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN})),
    ]
