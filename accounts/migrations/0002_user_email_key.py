from django.db import migrations, models


class Migration(migrations.Migration):
    """The normalised email (NFKC, then case-folded) as its own column; filled by 0003, made unique by 0004."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, null=True),
        ),
    ]
