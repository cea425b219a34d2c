import unicodedata

from django.db import migrations


def _key(email: str) -> str:
    # A frozen copy of inventory_site.email_key.normalise_email: a migration must not change with the code.
    return unicodedata.normalize("NFKC", (email or "").strip()).casefold()


def fill_email_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    keys = {pk: _key(email) for pk, email in User.objects.values_list("pk", "email")}
    owners: dict[str, list[int]] = {}
    for pk, key in keys.items():
        owners.setdefault(key, []).append(pk)
    clashes = {key: pks for key, pks in owners.items() if len(pks) > 1}
    if clashes:
        emails = dict(User.objects.filter(pk__in=[pk for pks in clashes.values() for pk in pks]).values_list("pk", "email"))
        listed = "; ".join(" = ".join(repr(emails[pk]) for pk in pks) for pks in clashes.values())
        raise RuntimeError(
            "Some users' emails are one address once normalised (NFKC, then case-folded). Change the email of "
            f"all but one of each group (Django admin or PATCH users/{{id}}), then migrate again: {listed}"
        )
    for pk, key in keys.items():
        User.objects.filter(pk=pk).update(email_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_email_key"),
    ]

    operations = [
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
    ]
