"""Checking and registering the passports of a CSV file, row by row, all or nothing.

Each row is validated by `PassportDeclaration` exactly as one item of `POST
/api/v1/passports/bulk/`; the rows that pass are registered together by `passports_register`,
the bulk service, in one transaction.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction

from lifecycle.services.registration import RegistrationConflict, passports_register
from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration
from passports.models import Organisation, Passport
from web.console.csv_format import column_of, row_declaration

ITEM_REFERENCE = re.compile(r"\bitem (\d+)\b")


@dataclass
class RowProblem:
    """One message of the import report: the row, the column and field path, the message."""

    row: int
    column: str
    field: str
    message: str


@dataclass
class ImportCheck:
    """The outcome of checking a file: the rows that passed and every problem found."""

    valid: list[tuple[int, dict[str, str], dict]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0

    @property
    def failed_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    def valid_cells(self) -> list[tuple[int, dict[str, str]]]:
        return [(row, cells) for row, cells, _declaration in self.valid]


class _RolledBack(Exception):
    """Ends a trial registration whose only purpose was to find conflicts."""


def import_check(
    *, organisation: Organisation, rows: list[tuple[int, dict[str, str]]]
) -> ImportCheck:
    """Validates every row, then finds identifiers that are taken or repeated in the file."""
    check = ImportCheck(rows_read=len(rows))
    context = {"gs1_company_prefix": organisation.gs1_company_prefix}
    for number, cells in rows:
        declaration, cell_errors = row_declaration(cells)
        checked = PassportDeclaration(data=declaration, context=context)
        errors = [{"field": e.field, "message": e.message} for e in cell_errors]
        if not checked.is_valid():
            unreadable = {column_of(e.field) for e in cell_errors}
            # A list cell that could not be read yields follow-on messages (origin names a
            # substance the composition lost); report only the cause.
            if "composition" in unreadable:
                unreadable.add("origin")
            errors += [
                e for e in flatten_errors(checked.errors) if column_of(e["field"]) not in unreadable
            ]
        if errors:
            check.problems += [_problem(number, e["field"], e["message"]) for e in errors]
        else:
            check.valid.append((number, cells, checked.validated_data))
    if check.valid and check.problems:
        # The valid rows may be imported on their own: find their conflicts now, so the
        # number offered is the number that will register.
        _trial_registration(organisation, check)
    check.problems.sort(key=lambda p: p.row)
    return check


def import_register(*, organisation: Organisation, check: ImportCheck) -> list[Passport]:
    """Registers the checked rows in one transaction; raises RegistrationConflict if one is
    taken in the meantime (then nothing is stored)."""
    return passports_register(
        organisation=organisation, declarations=[d for _row, _cells, d in check.valid]
    )


def _trial_registration(organisation: Organisation, check: ImportCheck) -> None:
    """Registers the valid rows inside a transaction that is always rolled back, so conflicts
    are reported with the service's own messages before anything is stored."""
    try:
        with transaction.atomic():
            import_register(organisation=organisation, check=check)
            raise _RolledBack
    except _RolledBack:
        return
    except RegistrationConflict as conflict:
        conflicts_record(check, conflict)


def conflicts_record(check: ImportCheck, conflict: RegistrationConflict) -> None:
    """Moves the rows whose identifiers are taken from the valid ones to the problems."""
    numbers = [row for row, _cells, _declaration in check.valid]
    conflicted = set()
    for index, field_name, message in conflict.conflicts:
        # The service counts items from 0 in the list it was given; a person counts rows.
        message = ITEM_REFERENCE.sub(lambda m: f"row {numbers[int(m.group(1))]}", message)
        check.problems.append(_problem(numbers[index], field_name, message))
        conflicted.add(index)
    check.valid = [item for i, item in enumerate(check.valid) if i not in conflicted]
    check.problems.sort(key=lambda p: p.row)


def _problem(row: int, path: str, message: str) -> RowProblem:
    return RowProblem(row=row, column=column_of(path), field=path, message=message)
