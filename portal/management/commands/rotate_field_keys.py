"""Re-encrypt every `*_encrypted` field in every schema with the first of FIELD_ENCRYPTION_KEYS.

The operator's sequence: put the new key first (`FIELD_ENCRYPTION_KEYS=new,old`) on every process, restart,
run this, then drop the old key. Values are never printed; a value no key decrypts is listed by row id.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import get_tenant_model, schema_context

from portal.lib.crypto import Reencrypted, derived_key, reencrypt_text


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)  # "<schema>: <Model> <id> <field>", never the value


def encrypted_models() -> list[tuple[type, list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if f.name.endswith("_encrypted")]
        if names:
            found.append((model, names))
    return found


def schemas_for(model) -> list[str]:
    """Tenant apps' tables live in every dealer's schema (inactive dealers too: they may come back)."""
    app = model._meta.app_config.name
    schemas = ["public"] if app in settings.SHARED_APPS else []
    if app in settings.TENANT_APPS:
        dealers = get_tenant_model().objects.exclude(schema_name="public").order_by("pk")
        schemas += list(dealers.values_list("schema_name", flat=True))
    return schemas


def rotate_model(model, names: list[str], *, tally: Tally, extra_keys: tuple[str, ...], dry_run: bool) -> None:
    """Row by row with a compare-and-set UPDATE: a credential edited meanwhile keeps the edit."""
    ident = "public_id" if any(f.name == "public_id" for f in model._meta.concrete_fields) else "pk"
    rows = model.objects.order_by("pk").values_list("pk", ident, *names)
    for pk, row_id, *values in rows.iterator(chunk_size=500):
        for name, value in zip(names, values, strict=True):
            new, outcome = reencrypt_text(value, extra_keys=extra_keys)
            if outcome is Reencrypted.UNREADABLE:
                tally.unreadable.append(f"{connection.schema_name}: {model.__name__} {row_id} {name}")
            elif outcome is Reencrypted.ROTATED and not dry_run and not _swap(model, pk, name, value, new):
                outcome = "changed while rotating"
            tally.counts[outcome] += bool(value)


def _swap(model, pk, name: str, old: str, new: str) -> bool:
    return bool(model.objects.filter(pk=pk, **{name: old}).update(**{name: new}))


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (SNMP communities and v3 keys) with the first key in "
        "FIELD_ENCRYPTION_KEYS, in every dealer's schema. Afterwards the other keys can be removed. "
        "Safe to run again: values already under the first key are left alone. Never prints a secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        parser.add_argument(
            "--also-derived-key",
            action="store_true",
            help="also decrypt with the key portals without FIELD_ENCRYPTION_KEYS derived from DJANGO_SECRET_KEY "
            "(once, when upgrading such an install)",
        )

    def handle(self, *args, dry_run, also_derived_key, **options):
        if not settings.FIELD_ENCRYPTION_KEYS:
            raise CommandError('Set FIELD_ENCRYPTION_KEYS="<new key>,<old key>" first: the first key encrypts.')
        extra = (derived_key(settings.SECRET_KEY),) if also_derived_key else ()
        tally = Tally()
        for model, names in encrypted_models():
            for schema in schemas_for(model):
                with schema_context(schema):
                    rotate_model(model, names, tally=tally, extra_keys=extra, dry_run=dry_run)
        self.report(tally, dry_run=dry_run)

    def report(self, tally: Tally, *, dry_run: bool) -> None:
        for line in tally.unreadable:
            self.stdout.write(f"  unreadable: {line}")
        counts = tally.counts
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{verb} {counts[Reencrypted.ROTATED]} values; {counts[Reencrypted.CURRENT]} already under the first "
            f"key; {counts['changed while rotating']} changed while rotating (run again); "
            f"{counts[Reencrypted.UNREADABLE]} unreadable."
        )
        if tally.unreadable:
            raise CommandError(
                f"{len(tally.unreadable)} stored values could not be decrypted with any configured key and were left "
                "as they are (listed above). Keep the key they were stored with in FIELD_ENCRYPTION_KEYS, or enter "
                "those credentials again in the portal, before removing an old key."
            )
