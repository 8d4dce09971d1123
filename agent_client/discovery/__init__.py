"""Discovery: target expansion, the sweep, identity decoding, the host's own networks."""
