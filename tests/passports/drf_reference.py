"""The declaration checked by DRF's fields alone, the reference the compiled checks must equal."""

from unittest import mock

from lifecycle.canonical import canonical_bytes
from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration, compiled

CONTEXT = {"gs1_company_prefix": ""}


def outcome(data, *, context: dict = CONTEXT, drf_only: bool = False) -> tuple[bool, object]:
    """(valid, canonical bytes of the result or the flattened errors) for one declaration."""
    if drf_only:
        with mock.patch.object(compiled, "field_check", lambda field: None):
            return outcome(data, context=context)
    checked = PassportDeclaration(data=data, context=context)
    if checked.is_valid():
        return True, canonical_bytes(checked.validated_data)
    return False, flatten_errors(checked.errors)


def assert_same_as_drf(data, *, context: dict = CONTEXT) -> tuple[bool, object]:
    """The compiled path's result or errors, asserted equal to DRF's fields alone."""
    found = outcome(data, context=context)
    assert found == outcome(data, context=context, drf_only=True)
    return found
