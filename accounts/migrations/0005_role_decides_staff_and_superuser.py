"""``is_staff`` and ``is_superuser`` become properties of ``role``: the columns go (they only ever held a copy
of it). Going back restores them from the role."""

from django.db import migrations


def restore_flags(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.update(is_staff=False, is_superuser=False)
    User.objects.filter(role="admin").update(is_staff=True, is_superuser=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_email_key_unique"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_flags),
        migrations.RemoveField(model_name="user", name="is_staff"),
        migrations.RemoveField(model_name="user", name="is_superuser"),
    ]
