from django.db import migrations, models


class Migration(migrations.Migration):
    """R-BIL-16: a random referral code per user instead of the user id in referral links. Existing users
    get theirs lazily, the first time their link is shown."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="referral_code",
            field=models.CharField(blank=True, max_length=16, null=True, unique=True),
        ),
    ]
