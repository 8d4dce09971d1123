"""Stored results' payloads compressed with lz4 rather than PostgreSQL's default pglz: a site's first read is a few
MB of JSON, and pglz took about twice as long to store it (bench/ingest.py); lz4 also unpacks it faster for every
later read that resolves changes against it. Payloads stored before stay as they are. A server built without lz4
keeps pglz (the statement is skipped there, not failed)."""

from django.db import migrations

LZ4 = """
DO $$ BEGIN
    ALTER TABLE agents_directiveresult ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;
END $$;
"""
PGLZ = "ALTER TABLE agents_directiveresult ALTER COLUMN payload SET COMPRESSION pglz"


class Migration(migrations.Migration):
    dependencies = [("agents", "0007_agent_update_and_local_printers")]

    operations = [migrations.RunSQL(LZ4, PGLZ)]
