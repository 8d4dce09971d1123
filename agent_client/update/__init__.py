"""Self-update: a signed single-file agent offered in the heartbeat answer replaces the running one
(docs/agent-protocol.md, "Self-update")."""
