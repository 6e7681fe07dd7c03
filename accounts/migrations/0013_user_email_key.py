"""The e-mail lookup key (``User.email_key``), filled for every existing account; superusers
made by ``createsuperuser`` before the sign-in rule (``accounts.access``) count as activated.

Numbered 0012 after another branch's 0011; depends on 0010 until the two are merged.
"""

from django.db import migrations, models
from django.db.models import F

from core.text import canonical_email


def fill_email_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.exclude(email="").only("pk", "email").iterator(chunk_size=1000):
        user.email_key = canonical_email(user.email)
        batch.append(user)
        if len(batch) >= 1000:
            User.objects.bulk_update(batch, ["email_key"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["email_key"])


def activate_superusers(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_superuser=True, activated_at__isnull=True).exclude(
        password__startswith="!"
    ).update(activated_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_console_labels_in_french"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=320),
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
        migrations.RunPython(activate_superusers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", ""), ("email_key", ""))
                | models.Q(models.Q(("email", ""), _negated=True), models.Q(("email_key", ""), _negated=True)),
                name="user_email_key_with_email",
            ),
        ),
    ]
