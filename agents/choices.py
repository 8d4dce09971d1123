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
    NONE = "", "None"
    MD5 = "MD5", "MD5"
    SHA = "SHA", "SHA-1"
    SHA256 = "SHA256", "SHA-256"
    SHA512 = "SHA512", "SHA-512"


class PrivProtocol(models.TextChoices):
    NONE = "", "None"
    DES = "DES", "DES"
    AES = "AES", "AES-128"
    AES256 = "AES256", "AES-256"
