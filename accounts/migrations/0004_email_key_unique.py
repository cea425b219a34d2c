from django.db import migrations, models


class Migration(migrations.Migration):
    """email_key is the identity: unique and required. The lower-case constraint it replaces is dropped
    (the database's lower() folds differently from the key, and the key is the one rule)."""

    dependencies = [
        ("accounts", "0003_fill_email_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, unique=True),
        ),
        migrations.RemoveConstraint(
            model_name="user",
            name="user_email_ci_unique",
        ),
    ]
