"""The one CSV writer: formula-like text escaped, numbers kept as numbers, None and booleans as before."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from inventory_site.csv_export import csv_cell, csv_response

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx", "\rx", "=1+1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_a_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "a=b", "1-2", "", " =x", "'=already"])
def test_other_text_is_unchanged(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("number", [-3, 0, 7, Decimal("-1.50"), Decimal("2.25"), -0.5, 1.5])
def test_numbers_are_never_prefixed(number):
    assert csv_cell(number) == number


def test_none_booleans_and_dates():
    assert csv_cell(None) == ""
    assert (csv_cell(True), csv_cell(False)) == ("true", "false")
    assert csv_cell(date(2026, 3, 1)) == "2026-03-01"


def test_response_streams_and_round_trips():
    header = ["name", "quantity", "price", "active", "note"]
    response = csv_response("x.csv", header, [["-2", -3, Decimal("-1.50"), True, None]])
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8" and response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "quantity", "price", "active", "note"],
        ["'-2", "-3", "-1.50", "true", ""],
    ]
    assert "\n-3," not in text and ",-3," in text
