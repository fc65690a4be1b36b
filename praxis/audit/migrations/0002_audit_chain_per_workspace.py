"""One hash chain per workspace (issue 7, "Audit at the scale of client reads").

Choice: existing entries are NOT re-chained. They all go to the closed legacy chain (`chain = -1`,
`models.LEGACY_CHAIN`) with their global `seq`, `prev_hash` and `hash` untouched, so the chain still
verifies exactly as before (the hashed fields are unchanged) and a head an operator noted before this
migration (`SEQ:HASH`) is still checked by `verify_audit --head SEQ:HASH`. Re-chaining would have had to
recompute every hash — indistinguishable from a forger rewriting the log, and it would silently bless any
tampering done before the migration. New entries start fresh chains at seq 1 (one per workspace, chain 0
for events outside any workspace). The column is added with a constant default: one statement, no row
by row update (on PostgreSQL adding it is metadata only).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('workspaces', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-id']},
        ),
        migrations.RemoveIndex(
            model_name='auditevent',
            name='audit_audit_workspa_6a58a8_idx',
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.BigIntegerField(default=-1),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['workspace', '-id'], name='audit_workspace_newest'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('chain', 'seq'), name='audit_seq_unique_per_chain'),
        ),
    ]
