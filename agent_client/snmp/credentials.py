"""SNMP credentials as the protocol doc gives them; secrets are kept out of repr so they never reach a log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES128", "AES192", "AES256")


@dataclass(frozen=True)
class Credential:
    id: str
    version: str  # "1", "2c" or "3"
    community: str = field(default="", repr=False)
    user: str = ""
    auth_protocol: str | None = None
    auth_key: str = field(default="", repr=False)
    priv_protocol: str | None = None
    priv_key: str = field(default="", repr=False)
    context: str = ""

    @property
    def is_v3(self) -> bool:
        return self.version == "3"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credential:
        version = str(data.get("version", "2c"))
        if version not in ("1", "2c", "3"):
            raise ValueError(f"unknown SNMP version {version!r}")
        cred = cls(
            id=str(data.get("id", "")),
            version=version,
            community=str(data.get("community") or ""),
            user=str(data.get("user") or ""),
            auth_protocol=_upper_or_none(data.get("auth_protocol")),
            auth_key=str(data.get("auth_key") or ""),
            priv_protocol=_upper_or_none(data.get("priv_protocol")),
            priv_key=str(data.get("priv_key") or ""),
            context=str(data.get("context") or ""),
        )
        cred.validate()
        return cred

    def validate(self) -> None:
        if self.is_v3 and not self.user:
            raise ValueError(f"credential {self.id}: SNMPv3 needs a user")
        if self.auth_protocol and self.auth_protocol not in AUTH_PROTOCOLS:
            raise ValueError(f"credential {self.id}: unknown auth protocol {self.auth_protocol}")
        if self.priv_protocol and self.priv_protocol not in PRIV_PROTOCOLS:
            raise ValueError(f"credential {self.id}: unknown privacy protocol {self.priv_protocol}")
        if self.priv_protocol and not self.auth_protocol:
            raise ValueError(f"credential {self.id}: privacy needs authentication")


def _upper_or_none(value: Any) -> str | None:
    return str(value).upper() if value else None


def parse_credentials(items: list[dict[str, Any]]) -> list[Credential]:
    return [Credential.from_dict(item) for item in items]
