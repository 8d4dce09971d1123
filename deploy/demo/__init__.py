"""The demo fleet: simulated printers for `make demo` (see fleet.py)."""
