"""The audit tables refuse UPDATE, DELETE and TRUNCATE on PostgreSQL.

Triggers raise "the audit trail is append-only" unless the session has set
`joinedup.audit_maintenance` to 'on', which only the test suite does (so that its flushes between
live-server tests still work; see joinedup/settings/test.py). A superuser can still skip triggers
(for example with session_replication_role = replica) and the tables' owner can disable them:
that is what the hash chain and its external anchors are for (audit/chain.py). SQLite has no
such triggers; this migration does nothing there."""

from django.db import migrations

_TABLES = ("audit_auditevent", "audit_auditseal")

_CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION joinedup_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('joinedup.audit_maintenance', true), '') = 'on' THEN
        -- A BEFORE row trigger must hand the row back, or the change is silently skipped.
        IF TG_LEVEL = 'ROW' AND TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Audit events and seals are only ever inserted. See docs/security.md.';
END;
$$
"""

_DROP_FUNCTION = "DROP FUNCTION IF EXISTS joinedup_audit_append_only()"


def _create_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION joinedup_audit_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION joinedup_audit_append_only()",
    ]


def _drop_triggers(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in statements:
        # params=None: the SQL is sent as written, so the % in RAISE is not taken as a parameter.
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, [_CREATE_FUNCTION, *(s for t in _TABLES for s in _create_triggers(t))])


def backwards(apps, schema_editor):
    _run(schema_editor, [*(s for t in _TABLES for s in _drop_triggers(t)), _DROP_FUNCTION])


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_audit_seal"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
