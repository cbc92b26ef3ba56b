"""Key rotation over every encrypted value and blob (the registry in core.crypto), in short batches.

Each batch reads the raw ciphertexts, re-encrypts with the newest key those the newest key does not open
yet, and writes each back with `UPDATE ... WHERE pk = %s AND column = <the ciphertext it read>`: a row an
app host changed in the meantime is left alone (the edit wins; a second run or `--check` shows whether
it still needs rotating). Values already under the newest key are skipped, so a run that stopped half-way
simply resumes. The raw SQL bypasses the fields' encrypt-on-write, timestamps and signals on purpose: a
key change is not an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Field

from amahoro.core import crypto


@dataclass
class ColumnReport:
    label: str
    total: int = 0  # non-empty values seen
    current: int = 0  # already under the newest key
    rotated: int = 0  # re-encrypted by this run
    changed_meanwhile: int = 0  # edited by someone else between read and write: left to the edit
    undecryptable: list[str] = field(default_factory=list)  # primary keys no configured key opens

    @property
    def stale(self) -> int:
        """Values not under the newest key after this pass (what `--check` counts)."""
        return self.total - self.current - self.rotated


def _quoted(column: crypto.EncryptedColumn) -> tuple[str, str, str]:
    """Quoted table, primary-key column and value column names."""
    meta = column.model._meta
    pk = meta.pk
    value = meta.get_field(column.field)
    assert pk is not None and isinstance(value, Field) and value.column and pk.column
    quote = connection.ops.quote_name
    return quote(meta.db_table), quote(pk.column), quote(value.column)


def _raw_batches(column: crypto.EncryptedColumn, batch_size: int) -> Iterable[list[tuple[Any, Any]]]:
    table, pk, col = _quoted(column)
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"SELECT {pk}, {col} FROM {table} ORDER BY {pk} LIMIT %s", [batch_size])  # noqa: S608 (quoted names)
            else:
                cursor.execute(
                    f"SELECT {pk}, {col} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [last, batch_size],
                )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write_back(column: crypto.EncryptedColumn, pk_value: Any, old: Any, new: bytes) -> bool:
    table, pk, col = _quoted(column)
    value: Any = crypto.PREFIX + new.decode() if column.kind == "text" else new
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {col} = %s WHERE {pk} = %s AND {col} = %s",  # noqa: S608 (quoted names)
            [value, pk_value, old],
        )
        return cursor.rowcount == 1


def rotate_column(
    column: crypto.EncryptedColumn,
    *,
    batch_size: int = 500,
    check_only: bool = False,
    after_batch: Callable[[ColumnReport], None] | None = None,
) -> ColumnReport:
    """Re-encrypt one column with the newest key (or, with check_only, only count what is left to do)."""
    report = ColumnReport(label=column.label)
    for rows in _raw_batches(column, batch_size):
        with transaction.atomic():
            for pk_value, raw in rows:
                if isinstance(raw, memoryview):
                    raw = bytes(raw)
                try:
                    token = crypto.token_of(raw, column.kind)
                except crypto.DecryptionFailed:
                    report.total += 1
                    report.undecryptable.append(str(pk_value))
                    continue
                if token is None:
                    continue
                report.total += 1
                if crypto.under_newest_key(token):
                    report.current += 1
                    continue
                if check_only:
                    continue
                try:
                    new = crypto.rotate_token(token)
                except crypto.DecryptionFailed:
                    report.undecryptable.append(str(pk_value))
                    continue
                if _write_back(column, pk_value, raw, new):
                    report.rotated += 1
                else:
                    report.changed_meanwhile += 1
        if after_batch is not None:
            after_batch(report)
    return report


def rotate_all(
    *,
    batch_size: int = 500,
    check_only: bool = False,
    after_batch: Callable[[ColumnReport], None] | None = None,
) -> list[ColumnReport]:
    """rotate_column over the whole registry, in a stable order."""
    columns = sorted(crypto.encrypted_columns(), key=lambda c: c.label)
    return [
        rotate_column(c, batch_size=batch_size, check_only=check_only, after_batch=after_batch)
        for c in columns
    ]
