"""Two database functions for the outbox (allout.mail).

- A trigger on the outbox's INSERT that NOTIFYs `outbox_email`, once per statement: the
  relay (manage.py outbox_relay) LISTENs and publishes the new rows. PostgreSQL delivers a
  notification when the inserting transaction commits and never for one rolled back, so the
  request pays no round trip for it and a rolled-back email is never announced.
- `outbox_budget_spent()`, the mail budget's lock and count in one round trip. Both cannot
  be one plain statement: a statement's snapshot is taken before its lock is granted, so the
  count would miss the row of the request it waited for. A VOLATILE function takes a fresh
  snapshot for each query inside it, after the lock.
"""

from django.db import migrations

NOTIFY = """
CREATE FUNCTION allout_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_email', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER allout_outbox_notify AFTER INSERT ON allout_outboxemail
    FOR EACH STATEMENT EXECUTE FUNCTION allout_outbox_notify();
"""

BUDGET = """
CREATE FUNCTION outbox_budget_spent(lock_key bigint, canonical text, kinds text[], since timestamptz)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (
        SELECT count(*) FROM allout_outboxemail
        WHERE to_canonical = canonical AND kind = ANY(kinds) AND created_at >= since
    );
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("allout", "0008_outbox_published_at")]

    operations = [
        migrations.RunSQL(
            NOTIFY,
            "DROP TRIGGER allout_outbox_notify ON allout_outboxemail;"
            " DROP FUNCTION allout_outbox_notify();",
        ),
        migrations.RunSQL(
            BUDGET, "DROP FUNCTION outbox_budget_spent(bigint, text, text[], timestamptz);"
        ),
    ]
