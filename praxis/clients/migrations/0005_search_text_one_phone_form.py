"""`search_text` holds a phone number in one form only, its international digits; the national form
("0612345678") is no longer stored — a national query is looked for without its leading 0 instead
(`praxis.clients.search`). Refreshes the text of existing clients."""

from importlib import import_module

from django.db import migrations

refresh_search_text = import_module("praxis.clients.migrations.0002_search_index").refresh_search_text


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_importjob_heartbeat"),
    ]

    operations = [
        migrations.RunPython(refresh_search_text, migrations.RunPython.noop, elidable=True),
    ]
