"""On PostgreSQL the database itself refuses UPDATE and DELETE of the ledger (TRUNCATE is unaffected)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION stock_movement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'stock movements are append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stock_movement_append_only
    BEFORE UPDATE OR DELETE ON stock_stockmovement
    FOR EACH ROW EXECUTE FUNCTION stock_movement_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS stock_movement_append_only ON stock_stockmovement;
DROP FUNCTION IF EXISTS stock_movement_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
