from django.db import models


class DirectiveKind(models.TextChoices):
    DISCOVER = "discover", "Discovery"
    READ = "read", "Meter read"
    STATUS = "status", "Status scan"
    TEST = "test", "Credential test"


class DirectiveStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    LEASED = "leased", "Leased"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ResultStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    INTERPRETED = "interpreted", "Interpreted"
    FAILED = "failed", "Failed"


class SnmpVersion(models.TextChoices):
    V1 = "1", "SNMPv1"
    V2C = "2c", "SNMPv2c"
    V3 = "3", "SNMPv3"


class AuthProtocol(models.TextChoices):
    """The authentication protocols the agent maps to pysnmp 7 (agent_client/snmp/session.py AUTH)."""

    NONE = "", "None"
    MD5 = "MD5", "MD5"
    SHA = "SHA", "SHA-1"
    SHA224 = "SHA224", "SHA-224"
    SHA256 = "SHA256", "SHA-256"
    SHA384 = "SHA384", "SHA-384"
    SHA512 = "SHA512", "SHA-512"


class PrivProtocol(models.TextChoices):
    """The privacy protocols the agent maps to pysnmp 7 (agent_client/snmp/session.py PRIV): "AES" is AES-128 (CFB,
    RFC 3826); AES-192/256 are pysnmp's usmAesCfb192/256Protocol (Reeder key extension, as Cisco does). A value the
    agent does not know would fail its whole directive, so this list grows only with the agent's."""

    NONE = "", "None"
    DES = "DES", "DES"
    TRIPLE_DES = "3DES", "3DES-EDE"
    AES = "AES", "AES-128"
    AES192 = "AES192", "AES-192"
    AES256 = "AES256", "AES-256"
