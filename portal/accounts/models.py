"""Staff accounts. The table exists in every dealer's schema (and in public, for operators)."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import connection, models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    TECHNICIAN = "technician", "Technician"
    VIEWER = "viewer", "Viewer"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Operators only: may use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def can_edit(self) -> bool:
        return self.is_active and self.role in (Role.ADMIN, Role.TECHNICIAN)

    @property
    def is_dealer_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def can_manage_keys(self) -> bool:
        """Licence keys, switching agents off, archiving customers and sites: admins, and technicians where the
        dealer allows it. A user exists only in its dealer's schema, so the connection's tenant is its dealer."""
        if self.is_dealer_admin:
            return True
        dealer = getattr(connection, "tenant", None)
        return self.can_edit and bool(getattr(dealer, "technicians_manage_keys", False))


class ApiToken(models.Model):
    """A personal token for the dealer REST API: shown once, stored as a SHA-256 hash with a visible prefix."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SignInAttempt(models.Model):
    """A sign-in attempt that failed, or is being checked right now (portal.accounts.lockout).

    In the database, not the cache: a Redis restart must not reset an attacker's count. Rows live in the
    dealer's schema (the account exists only there); those older than the window are deleted as new ones come.
    """

    email = models.CharField(max_length=254)  # as typed, lower-cased: unknown addresses count too
    client = models.GenericIPAddressField(null=True, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email", "attempted_at"], name="signin_email_at"),
            models.Index(fields=["client", "attempted_at"], name="signin_client_at"),
            models.Index(fields=["attempted_at"], name="signin_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.client} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
