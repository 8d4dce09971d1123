from portal.dealers.models import Dealer


def dealer_by_code(*, code: str) -> Dealer | None:
    """An active dealer by its public code, or None. Never the public tenant."""
    return Dealer.objects.filter(code=code, is_active=True).exclude(schema_name="public").first()
