from django.db import migrations

SEED = {
    "RU": "Public LGBT+ activity is treated as extremism; events would endanger people.",
    "BY": "Arrests for LGBT+ and opposition activity; events would endanger people.",
}


def seed(apps, schema_editor):
    HighRiskCountry = apps.get_model("events", "HighRiskCountry")
    for code, note in SEED.items():
        HighRiskCountry.objects.get_or_create(country=code, defaults={"note": note})


class Migration(migrations.Migration):
    """The platform must refuse events in Russia and Belarus from its very first start."""

    dependencies = [("events", "0004_organizermessage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
