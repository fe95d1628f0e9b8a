"""allout takes over Campaign and HighRiskCountry from events, keeping every row.

The state gains both models on their old tables, then AlterModelTable renames the tables to
allout's names: rows, ids, identity sequences and the foreign keys into them (events' and
petitions') are kept by PostgreSQL. The names of the tables' own indexes, constraints and
sequences, and of the foreign keys pointing at them, are then changed to the ones Django
gives a table created under allout's name, so later schema changes find what they expect.

It runs after the last migrations that created foreign keys into the old tables; events and
petitions then point their fields to allout (in their state only) and events forgets both
models.
"""

import django_countries.fields
from django.db import migrations, models

TABLES = {"campaign": "events_campaign", "highriskcountry": "events_highriskcountry"}


def _foreign_keys_into(cursor, table: str) -> list[tuple[str, str, str, str]]:
    """(constraint, table, column, referenced column) of each foreign key into `table`."""
    cursor.execute(
        """
        SELECT c.conname, src.relname, src_col.attname, dst_col.attname
        FROM pg_constraint c
        JOIN pg_class src ON src.oid = c.conrelid
        JOIN pg_attribute src_col ON src_col.attrelid = c.conrelid AND src_col.attnum = c.conkey[1]
        JOIN pg_attribute dst_col ON dst_col.attrelid = c.confrelid AND dst_col.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.confrelid = %s::regclass
        """,
        [table],
    )
    return cursor.fetchall()


def _name_after(schema_editor, table: str, named_for: str) -> None:
    """Name `table`'s indexes, constraints, sequences and incoming foreign keys as Django
    names them for a table called `named_for`."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        sequences = connection.introspection.get_sequences(cursor, table)
        incoming = _foreign_keys_into(cursor, table)
    statements = []
    for name, info in constraints.items():
        columns = info["columns"]
        if info["primary_key"]:
            new = f"{named_for}_pkey"
        elif info["unique"] and not info["index"] and len(columns) == 1:
            new = f"{named_for}_{columns[0]}_key"
        elif info["index"] and name.endswith("_like") and len(columns) == 1:
            new = schema_editor._create_index_name(named_for, columns, suffix="_like")
            statements.append((name, new, f"ALTER INDEX {quote(name)} RENAME TO {quote(new)}"))
            continue
        else:
            continue
        rename = f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} TO {quote(new)}"
        statements.append((name, new, rename))
    for name, source, column, target_column in incoming:
        suffix = f"_fk_{named_for}_{target_column}"
        new = schema_editor._create_index_name(source, [column], suffix=suffix)
        rename = f"ALTER TABLE {quote(source)} RENAME CONSTRAINT {quote(name)} TO {quote(new)}"
        statements.append((name, new, rename))
    for sequence in sequences:
        name, new = sequence["name"], f"{named_for}_{sequence['column']}_seq"
        statements.append((name, new, f"ALTER SEQUENCE {quote(name)} RENAME TO {quote(new)}"))
    for name, new, statement in statements:
        if name != new:
            schema_editor.execute(statement)


def name_as_allout(apps, schema_editor) -> None:
    for model in TABLES:
        _name_after(schema_editor, f"allout_{model}", f"allout_{model}")


def name_as_events(apps, schema_editor) -> None:
    for model, old_table in TABLES.items():
        _name_after(schema_editor, f"allout_{model}", old_table)


class Migration(migrations.Migration):
    dependencies = [
        ("allout", "0002_outbox_backoff"),
        # The tables and every foreign key into them exist once these have run.
        ("events", "0004_organizermessage"),
        ("petitions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Campaign",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("slug", models.SlugField(unique=True, verbose_name="slug")),
                        ("date", models.DateField(verbose_name="day of action")),
                        (
                            "description",
                            models.TextField(blank=True, verbose_name="description"),
                        ),
                    ],
                    options={"ordering": ["-date"], "db_table": "events_campaign"},
                ),
                migrations.CreateModel(
                    name="HighRiskCountry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "country",
                            django_countries.fields.CountryField(
                                max_length=2, unique=True, verbose_name="country"
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note for staff")),
                        ("added_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name": "high-risk country",
                        "verbose_name_plural": "high-risk countries",
                        "ordering": ["country"],
                        "db_table": "events_highriskcountry",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="campaign", table=None),
        migrations.AlterModelTable(name="highriskcountry", table=None),
        migrations.RunPython(name_as_allout, name_as_events),
    ]
