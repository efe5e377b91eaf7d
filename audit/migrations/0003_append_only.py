"""Make audit rows append-only in the database itself.

PostgreSQL (production): a row trigger refuses UPDATE and DELETE. TRUNCATE is left to
privileges (revoke it from the application role, docs/operations.md) because test
suites flush tables with it between transactional tests.
SQLite (the embedded default, demo and local tests): UPDATE is refused; DELETE is left
possible because Django's test flush deletes rows, and SQLite has no roles to scope it.
"""
from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_auditrecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditrecord is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_auditrecord_no_update ON audit_auditrecord;
DROP FUNCTION IF EXISTS audit_auditrecord_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit_auditrecord is append-only: UPDATE is not allowed'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_auditrecord_no_update;"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_UP] if vendor == "postgresql" else SQLITE_UP if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_DOWN] if vendor == "postgresql" else SQLITE_DOWN if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(up, down)]
