"""Renderers that only declare a download format, so DRF accepts ``?format=csv`` and ``?format=xlsx``.

The views stream the file themselves (inventory_site.csv_export, inventory_site.xlsx_export). The only bodies
DRF renders with these are the exception handler's problems, and those stay JSON.
"""

from rest_framework.renderers import JSONRenderer

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CSVRenderer(JSONRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(JSONRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"


DOWNLOAD_FORMATS = ("csv", "xlsx")
