"""Meterbridge agent: finds printers, reads them over SNMP and posts results to the portal. Never imports Django."""

__version__ = "0.1.0"
