from django.db import migrations, models

# Each read updates a few columns of these rows. With room left on each page and no index on those columns,
# PostgreSQL rewrites the row in place (a HOT update) instead of adding an entry to every index.
HOT_TABLES = {"meters_device": 70, "meters_steadystate": 70, "meters_metermonth": 80, "meters_alert": 80}


class Migration(migrations.Migration):
    dependencies = [
        ("meters", "0003_steady_state"),
    ]

    operations = [
        # last_read_at is now written on every read; the daily lifecycle pass reads it with a scan instead.
        migrations.RemoveIndex(model_name="device", name="meters_devi_last_re_e117fc_idx"),
        migrations.AddField(model_name="steadystate", name="sources", field=models.JSONField(default=dict)),
        migrations.AddField(model_name="steadystate", name="values", field=models.JSONField(default=list)),
        # States in the old layout are dropped: each device's next read is interpreted in full and rebuilds it.
        migrations.RunSQL("DELETE FROM meters_steadystate", migrations.RunSQL.noop),
        *(
            migrations.RunSQL(
                f"ALTER TABLE {table} SET (fillfactor = {percent})", f"ALTER TABLE {table} RESET (fillfactor)"
            )
            for table, percent in HOT_TABLES.items()
        ),
    ]
