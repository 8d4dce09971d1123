"""Identifiers that arrive as text from agents and URLs."""

import uuid


def is_uuid(value) -> bool:
    """True when `value` reads as a UUID: only such ids may reach a `uuid` column (anything else is an error)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
