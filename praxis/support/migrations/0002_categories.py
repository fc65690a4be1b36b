"""The operator's starting list of main categories (R-SUP-1), in the four languages
(`praxis.support.catalogue`); the operator edits it afterwards (Django admin at /operator/)."""

from django.db import migrations


def add(apps, schema_editor):
    from praxis.support.catalogue import ensure_default_categories

    ensure_default_categories(apps.get_model("support", "Category"))


def remove(apps, schema_editor):
    from praxis.support.catalogue import DEFAULT_CATEGORIES

    apps.get_model("support", "Category").objects.filter(code__in=[c[0] for c in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
