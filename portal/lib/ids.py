"""Identifiers that arrive as text from agents and URLs."""

import uuid

NOT_AN_ID = "'{value}' is not an id: expected a UUID such as 7f9c2ba4-…"  # the API's 400, here and in filter sets


def is_uuid(value) -> bool:
    """True when `value` reads as a UUID: only such ids may reach a `uuid` column (anything else is an error)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def uuid_param(params, name: str) -> str | None:
    """A query parameter that names an object by its public id: None when absent, a 400 with the reason when it
    is not a UUID (never a database error)."""
    from rest_framework.exceptions import ValidationError

    value = params.get(name)
    if value in (None, ""):
        return None
    if not is_uuid(value):
        raise ValidationError({name: NOT_AN_ID.format(value=value)})
    return value
