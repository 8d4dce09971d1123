"""How a running directive is going, as its agent reports it (`POST /agent/v1/directives/<id>/progress`).

Only the latest numbers are kept, on the directive's row; they stop changing once the directive is answered.
"""

from datetime import datetime

from django.utils import timezone

from agents.choices import DirectiveKind, DirectiveStatus
from agents.errors import Conflict, NotFound
from agents.models import Agent, Directive

RUNNING = (DirectiveStatus.LEASED, DirectiveStatus.PENDING)  # pending: a lease that lapsed while the agent worked


def directive_progress_record(
    *, agent: Agent, directive_id, probed: int, total: int, found: int, now: datetime | None = None
) -> Directive:
    directive = Directive.objects.filter(public_id=directive_id, site_id=agent.site_id).first()
    if directive is None:
        raise NotFound("No such directive for this agent's site.", code="directive_not_found")
    if directive.leased_by_id not in (None, agent.pk):
        raise Conflict("This directive is leased to another agent of the site.", code="leased_elsewhere")
    progress = {"probed": probed, "total": total, "found": found, "at": (now or timezone.now()).isoformat()}
    # Conditional: a report that arrives after the result (they travel apart) must not reopen a finished row.
    updated = Directive.objects.filter(pk=directive.pk, status__in=RUNNING).update(progress=progress)
    if not updated:
        raise Conflict("This directive has already been answered.", code="directive_done")
    directive.progress = progress
    return directive


def progress_final(*, directive: Directive, payload: dict, now: datetime | None = None) -> dict:
    """A discovery's progress once its result is in, from the result itself: the agent's last report may never
    arrive (it travels apart, at most every few seconds), and older agents send none."""
    scanned = payload.get("addresses_scanned")
    if directive.kind != DirectiveKind.DISCOVER or not isinstance(scanned, int) or isinstance(scanned, bool):
        return directive.progress
    devices = payload.get("devices") if isinstance(payload.get("devices"), list) else []
    found = sum(1 for device in devices if isinstance(device, dict) and device.get("is_printer", True))
    progress = {"probed": scanned, "total": scanned, "found": found, "at": (now or timezone.now()).isoformat()}
    errors = payload.get("errors") if isinstance(payload.get("errors"), list) else []
    refused = [e for e in errors if isinstance(e, dict) and e.get("code") == "outside_window"]
    if refused:
        progress["note"] = str(refused[0].get("message") or "outside the scan window")[:300]
    return progress
