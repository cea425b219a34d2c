"""A report's columns, declared once: everything else about a column is derived from its ``Column``.

Each report has one ``ColumnTable`` (in ``reports.selectors``, beside the query that feeds it). From it come the
``.values()`` a query selects and the row built from them, the API's response schema, the CSV header and cell
types, the HTML table's labels and numeric columns, and the sort fields with their ORM paths. Adding a column is
one line there (plus the annotation it reads, if it is new).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
DATE = "date"
FLOAT = "float"
TYPES = (TEXT, INTEGER, DECIMAL, BOOLEAN, DATE, FLOAT)
NUMERIC = frozenset({INTEGER, DECIMAL, FLOAT})
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One column of a report's rows.

    ``source`` is the ``.values()`` key the cell is read from (the column's name unless said); a column with
    ``compute`` is worked out in Python from the values it ``reads`` instead. ``sort`` is the ORM path the
    report orders by for ``sort_by=<name>`` (None: not sortable). ``group_by`` limits the column to one shape
    of a report whose rows change with ``group_by`` (the movements report). Money is a ``DECIMAL`` with two
    places, written as a string in JSON; ``max_digits`` bounds it in the schema.
    """

    name: str
    label: str
    type: str
    sort: str | None = None
    source: str = ""
    compute: Callable[[dict], object] | None = None
    reads: tuple[str, ...] = ()
    nullable: bool = False
    group_by: str | None = None
    max_digits: int = 14

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown column type {self.type!r}")

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC

    def selects(self) -> tuple[str, ...]:
        """The ``.values()`` keys this column needs."""
        return self.reads if self.compute else (self.source or self.name,)

    def cell(self, values: dict):
        """The row's value (JSON-ready) from one ``.values()`` dict."""
        value = self.compute(values) if self.compute else values[self.source or self.name]
        if value is None:
            return None
        if self.type == DECIMAL:
            return str(Decimal(value).quantize(CENTS))
        if self.type == DATE and isinstance(value, date):
            return value.isoformat()
        return value

    def csv_cell(self, value):
        """A row's value as the CSV writer should see it: money as a number (never formula-escaped)."""
        return Decimal(value) if self.type == DECIMAL and value is not None else value


@dataclass(frozen=True)
class ColumnTable:
    """A report's columns in order, plus sort fields that are no column (``sort_only``: name -> ORM path)."""

    columns: tuple[Column, ...]
    sort_only: tuple[tuple[str, str], ...] = field(default=())

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def plus(self, *columns: Column) -> "ColumnTable":
        return ColumnTable((*self.columns, *columns), self.sort_only)

    def shape(self, group_by: str | None) -> "ColumnTable":
        """The columns of the rows grouped by ``group_by`` (all of them for a report without shapes)."""
        return ColumnTable(tuple(c for c in self.columns if c.group_by in (None, group_by)), self.sort_only)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def values(self) -> list[str]:
        """The keys to pass to ``.values()``: every source and everything a computed column reads, once."""
        return list(dict.fromkeys(key for column in self.columns for key in column.selects()))

    def row(self, values: dict) -> dict:
        return {column.name: column.cell(values) for column in self.columns}

    def sort_fields(self) -> dict[str, str]:
        """Public sort name -> ORM path, sortable columns first (in column order), then ``sort_only``."""
        return {**{c.name: c.sort for c in self.columns if c.sort}, **dict(self.sort_only)}

    def nullable_sorts(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.sort and c.nullable)

    def label(self, name: str) -> str:
        return next((column.label for column in self.columns if column.name == name), name)
