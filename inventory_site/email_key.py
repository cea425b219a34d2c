"""The one normalisation of an email address used as an identity: user lookup, uniqueness and the lockout key.

NFKC folds compatibility characters (full-width letters, the Kelvin sign, the long s) to their plain
forms; ``casefold()`` then folds case the Unicode way. Users are looked up by exact equality on this key,
never by a database's case-insensitive comparison (PostgreSQL's ``UPPER`` folds ``ı`` to ``I``, Python's
``lower()`` does not, and the two disagreeing let a lockout be bypassed).
"""

import unicodedata

MAX_LENGTH = 254


def normalise_email(value) -> str:
    """``value`` stripped, NFKC-normalised, then case-folded; "" for None."""
    return unicodedata.normalize("NFKC", str(value or "").strip()).casefold()
