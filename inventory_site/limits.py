"""Sizes the service accepts, named once: the services, the API serializers and the HTML forms read them here.

Quantities are stored in 32-bit integer columns, ids in 64-bit ones. Text lengths are the columns' sizes where
the column has one; free text with no column limit (notes, descriptions, addresses) gets one generous limit,
the same through the API and the pages.
"""

MAX_QUANTITY = 2**31 - 1
MAX_ID = 2**63 - 1

CUSTOMER_NAME_MAX_LENGTH = 200
CUSTOMER_EMAIL_MAX_LENGTH = 254
REFERENCE_MAX_LENGTH = 100
NOTE_MAX_LENGTH = 10_000  # notes of movements, counts, orders; descriptions, addresses
