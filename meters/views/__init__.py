"""The fleet pages: devices list, device page and its actions (split by concern, NetBox-style)."""
