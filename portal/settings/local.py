"""Development and `make demo`: debug on, emails written to var/mail as files a user can open."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import envbool

DEBUG = envbool("DJANGO_DEBUG", True)
