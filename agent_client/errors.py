"""The agent's own exceptions: callers never see pysnmp's or urllib's types."""


class AgentError(Exception):
    """Base of every error the agent raises on purpose."""


class ConfigError(AgentError):
    """The config file is missing, unreadable or incomplete."""


class SnmpError(AgentError):
    """An SNMP exchange failed; `code` is the per-device error code of the protocol doc."""

    code = "error"


class SnmpTimeout(SnmpError):
    code = "timeout"


class SnmpAuthError(SnmpError):
    code = "auth"


class SnmpTooBig(SnmpError):
    code = "too_big"


class SnmpNoSuchName(SnmpError):
    """SNMPv1 noSuchName; `index` is the 0-based position of the offending varbind (-1 when unknown)."""

    code = "no_such_name"

    def __init__(self, message: str, index: int = -1) -> None:
        super().__init__(message)
        self.index = index


class SnmpMalformed(SnmpError):
    code = "malformed"


class SnmpLoop(SnmpError):
    """A walk that went backwards, repeated an OID or never ended."""

    code = "loop"


class PortalError(AgentError):
    """The portal answered with an error the agent cannot fix by retrying (4xx)."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PortalUnavailable(AgentError):
    """The portal or the network is away (connection error, timeout, 5xx): retry later with back-off.

    `status` is the HTTP status when the portal answered (5xx, 408, 429), 0 when it could not be reached: a 5xx
    to one upload while the heartbeat went through may be that upload's fault (see service.flush)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
