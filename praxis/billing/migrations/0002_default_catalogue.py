from django.db import migrations

DEFAULT_CATALOGUE = [
    # account type, clinical, monthly cents, annual cents, client limit, workspace templates (SPEC §4)
    ("free", True, 0, 0, 10, False),
    ("essentials", True, 2900, 29000, 250, True),
    ("pro", True, 5900, 59000, None, True),
    ("support", False, 0, 0, None, True),
]


def load(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, clinical, monthly, annual, limit, templates in DEFAULT_CATALOGUE:
        Plan.objects.get_or_create(account_type=code, defaults={
            "clinical": clinical, "monthly_price_cents": monthly, "annual_price_cents": annual,
            "client_limit": limit, "workspace_templates": templates})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
