"""A dealer's pages with one of everything a row can be acted on: a site with a key and an agent, a customer with a
report schedule and a built report, a monitored device with a flagged read, a colleague and an API token. Shared by
the phone-layout and the confirm tests; built in dealer A's schema through the real services (run it in_acme)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class DealerRows:
    site: str
    customer: str
    customer_name: str
    key: str
    key_prefix: str
    agent: str
    agent_name: str
    schedule: str
    filename: str
    device: str
    device_name: str
    device_serial: str
    flag: str
    member: str
    member_email: str
    token: str
    token_name: str


def dealer_rows(size: str) -> DealerRows:
    from agents.services.enrolment import agent_enroll
    from agents.services.keys import license_key_generate
    from tests.support.factories import make_site, unique

    site = make_site(customer_name=f"Phone Dental {size}", site_name="Reception")
    key, text = license_key_generate(site=site, label="reception PC")
    hostname = unique(f"pc-{size}").replace(" ", "-")
    agent = agent_enroll(license_key=text, hostname=hostname, os="Windows 11 Pro", agent_version="0.9.1").agent
    schedule, filename = _schedule_and_report(site, hostname)
    device, flag = _device_with_a_flag(site)
    member, token = _colleague_and_token(hostname)
    return DealerRows(
        site=str(site.public_id),
        customer=str(site.customer.public_id),
        customer_name=site.customer.name,
        key=str(key.public_id),
        key_prefix=key.prefix,
        agent=str(agent.public_id),
        agent_name=agent.name,
        schedule=str(schedule.public_id),
        filename=filename,
        device=str(device.public_id),
        device_name=device.display_name,
        device_serial=device.serial,
        flag=str(flag.public_id),
        member=str(member.public_id),
        member_email=member.email,
        token=str(token.public_id),
        token_name=token.name,
    )


def dealer_rows_tidy(rows: DealerRows) -> None:
    """Undoes what dealer_rows left that other tests can see (committed data outlives the test): the printer, the
    API token and the colleague. Run it in_acme after the test."""
    from django.utils import timezone

    from meters.models import Device
    from portal.accounts.models import ApiToken, User

    Device.objects.filter(public_id=rows.device).delete()
    ApiToken.objects.filter(public_id=rows.token, revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(public_id=rows.member).update(is_active=False)


def _schedule_and_report(site, hostname: str):
    """A weekly schedule, and a sent report whose workbook can be downloaded."""
    from django.utils import timezone

    from reports.models import ReportRun, ReportSchedule
    from reports.services.schedules import schedule_save

    now = timezone.now()
    schedule = schedule_save(schedule=ReportSchedule(customer=site.customer, cadence="weekly", weekday=0, hour=7))
    filename = f"meters-{hostname}.xlsx"
    ReportRun.objects.create(
        customer=site.customer,
        period_start=now - timedelta(days=30),
        period_end=now,
        status="sent",
        device_count=1,
        filename=filename,
        workbook=b"PK workbook",
        requested_by="admin@acme.example",
    )
    return schedule, filename


def _device_with_a_flag(site):
    """A monitored printer whose total went back from 5000 to 12: a flag waiting for Accept offset or Dismiss."""
    from django.utils import timezone

    from meters.models import Device, MeterFlag, MeterRead
    from tests.support.factories import unique

    now = timezone.now()
    serial = unique("PH").replace(" ", "").upper()
    device = Device.objects.create(
        site=site,
        identity_key=f"serial:{serial}",
        serial=serial,
        ip="10.7.0.5",
        manufacturer="Konica Minolta",
        model="bizhub C250i",
        first_seen_at=now,
        last_seen_at=now,
        last_read_at=now,
        latest_total=123456,
    )
    day_ago = now - timedelta(days=1)
    before = MeterRead.objects.create(device=device, read_at=day_ago, values={"total": 5000}, total=5000)
    after = MeterRead.objects.create(device=device, read_at=now, values={"total": 12}, total=12, is_flagged=True)
    flag = MeterFlag.objects.create(
        device=device,
        read=after,
        kind="reset",
        meter_kind="total",
        previous=before.total,
        current=after.total,
        proposed_offset=4988,
        oid="1.3.6.1.2.1.43.10.2.1.4.1.1",
        message="total counter went back from 5000 to 12",
    )
    return device, flag


def _colleague_and_token(hostname: str):
    """A technician of this test's own (deactivating a shared persona would break other tests), and an API token of
    the admin's."""
    from portal.accounts.models import Role, User
    from portal.accounts.services import api_token_create, user_create
    from tests.support.personas import PASSWORD

    member = user_create(email=f"{hostname}@acme.example", password=PASSWORD, role=Role.TECHNICIAN)
    token, _text = api_token_create(user=User.objects.get(email="admin@acme.example"), name=f"ERP {hostname}")
    return member, token
