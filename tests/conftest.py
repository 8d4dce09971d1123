"""Suite-wide fixtures. Feature fixtures live in tests/support/ as pytest plugins."""

pytest_plugins = [
    "tests.support.paths",
    "tests.support.snmprec",
    "tests.support.snmpsim",
    "tests.support.personas",
    "tests.support.live",
    "tests.support.redis_server",
]
