"""django-filter pieces every app's filter sets share."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from portal.lib.ids import NOT_AN_ID


class PublicIdField(forms.UUIDField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:  # the reason names the value, as the API has always said it
            raise ValidationError(NOT_AN_ID.format(value=value), code="invalid") from None


class PublicIdFilter(django_filters.UUIDFilter):
    """A row named by its public id (`?site=<uuid>`): anything not a UUID is refused with the reason (a 400 in the
    API), never handed to the database."""

    field_class = PublicIdField


def choice_filter(choices, **kwargs) -> django_filters.ChoiceFilter:
    """A ChoiceFilter whose refusal lists the values it takes."""
    message = f"'%(value)s' is not one of {', '.join(choices.values)}."
    return django_filters.ChoiceFilter(choices=choices.choices, error_messages={"invalid_choice": message}, **kwargs)
