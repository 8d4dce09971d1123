"""The test suite: real PostgreSQL and Redis, in-memory email, fast password hashing."""

import os

from portal.settings.base import *  # noqa: F403
from portal.settings.base import CACHES, DATABASES, REST_FRAMEWORK, env

# The suite's own database, one per run (two runs on one machine must not drop each other's); the worker and
# web server the suite starts are told its name and use it directly (MB_TEST_DB_READY).
_test_name = env("MB_TEST_DB_NAME", f"test_meterbridge_{os.getpid()}")
if env("MB_TEST_DB_READY"):
    DATABASES["default"]["NAME"] = _test_name
else:
    DATABASES["default"]["TEST"] = {"NAME": _test_name}
DATABASES["default"]["CONN_MAX_AGE"] = 0

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Each run its own cache namespace: parallel runs share one Redis. The servers and workers a run starts are
# told its namespace (tests/support/live.py), so a cache the test clears is the one they read.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", f"test-{_test_name}")
# The suite enrols many agents from 127.0.0.1; the throttle's own test sets the production rate.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"enrolment": "10000/minute"}}
# Static files straight from the apps (as in development): the in-process client has no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
