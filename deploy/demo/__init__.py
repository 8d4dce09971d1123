"""The demo: simulated printers for `make demo` (see fleet.py), and its steps inside the portal (portal_cli.py)."""
