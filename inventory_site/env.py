"""Reading the environment for the settings: an empty value means "not set", so the default applies.

``.env.example`` lists every variable with an empty value where the default is meant (``cp .env.example .env``
is a valid start), and compose's ``env_file`` passes those empty values on. django-environ would read them
as values: ``int("")`` fails, ``DJANGO_ALLOWED_HOSTS=`` would allow no host at all, ``TIME_ZONE=`` is no zone.
"""

import environ
from django.core.exceptions import ImproperlyConfigured


class Env(environ.Env):
    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if self.ENVIRON.get(f"{self.prefix}{var}") == "":
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {self.prefix}{var} environment variable (it is empty)")
            return self.parse_value(default, cast) if parse_default and default is not None else default
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)

    @classmethod
    def read_env(cls, env_file=None, overwrite=False, **kwargs):
        """Like django-environ's (real variables win), except that an empty variable does not hide the file's value."""
        empty = [name for name, value in cls.ENVIRON.items() if value == ""]
        for name in empty:
            del cls.ENVIRON[name]
        try:
            super().read_env(env_file, overwrite=overwrite, **kwargs)
        finally:
            for name in empty:
                cls.ENVIRON.setdefault(name, "")
