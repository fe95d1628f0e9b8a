"""The content types of Campaign and HighRiskCountry follow the models from events to allout.

Renaming the content type keeps its id, so its permissions (add_campaign, ...), every
group's and user's grant of them and the admin's history stay as they are. Should allout's
content type exist already (made from the new models before this ran, by `flush` for
example), the old one is still the one kept: the other's grants and references move to it
before it goes.
"""

from django.conf import settings
from django.db import migrations

MODELS = ["campaign", "highriskcountry"]


def _merge_permission(Permission, duplicate, kept) -> None:
    """Give whoever holds `duplicate` (groups, users) `kept` instead, then drop `duplicate`."""
    for relation in Permission._meta.related_objects:
        if relation.many_to_many:
            accessor = relation.get_accessor_name()
            getattr(kept, accessor).add(*getattr(duplicate, accessor).all())
    duplicate.delete()


def _merge_content_type(apps, using: str, duplicate, kept) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.using(using).filter(content_type=duplicate):
        twin = (
            Permission.objects.using(using)
            .filter(content_type=kept, codename=permission.codename)
            .first()
        )
        if twin is None:
            permission.content_type = kept
            permission.save(update_fields=["content_type"])
        else:
            _merge_permission(Permission, permission, twin)
    # Admin log entries and anything else that names the content type.
    for model in apps.get_models():
        if model is Permission:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is ContentType:
                model._base_manager.using(using).filter(**{field.name: duplicate}).update(
                    **{field.name: kept}
                )
    duplicate.delete()


def _move(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    using = schema_editor.connection.alias
    for model in MODELS:
        old = ContentType.objects.using(using).filter(app_label=source, model=model).first()
        if old is None:
            continue  # a new database: post_migrate creates allout's at the end
        new = ContentType.objects.using(using).filter(app_label=target, model=model).first()
        if new is not None:
            _merge_content_type(apps, using, new, old)
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def to_allout(apps, schema_editor) -> None:
    _move(apps, schema_editor, "events", "allout")


def to_events(apps, schema_editor) -> None:
    _move(apps, schema_editor, "allout", "events")


class Migration(migrations.Migration):
    dependencies = [
        ("allout", "0003_campaign_highriskcountry"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # Its log entries name content types: in the state, they follow a merged one.
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(to_allout, to_events)]
