"""Reading dashboard filters with the API's own serializers, so both give the same messages."""

from django.http import QueryDict
from rest_framework import serializers

from passports.api.errors import flatten_errors


def query_read(
    serializer_class: type[serializers.Serializer], params: QueryDict
) -> tuple[dict, dict[str, list[str]]]:
    """(validated data, {} ) or ({}, field -> messages); blank fields count as not given."""
    given = {name: value for name, value in params.items() if value.strip() != ""}
    query = serializer_class(data=given)
    if query.is_valid():
        return dict(query.validated_data), {}
    errors: dict[str, list[str]] = {}
    for error in flatten_errors(query.errors):
        errors.setdefault(error["field"], []).append(error["message"])
    return {}, errors


def query_values(params: QueryDict, names: list[str]) -> dict[str, str]:
    """What the person typed, to put back into the form as they left it."""
    return {name: params.get(name, "") for name in names}
