"""snmpsim variation module for the demo fleet: page counters that rise and supplies that run down.

snmpsim executes this file on its own (it is not imported as part of the project), so it uses the
standard library only. A record names it in its tag and carries its settings as the value:

    1.3.6.1.2.1.43.10.2.1.4.1.1|65:demometer|kind=counter,epoch=1763700000,tick=30,start=48211,step=3
    1.3.6.1.2.1.43.11.1.1.9.1.1|2:demometer|kind=level,epoch=1763700000,tick=30,start=64,step=0.05,capacity=100
    1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0|4x:demometer|kind=brother,epoch=...,tick=30,r00=4939+3,r01=1762+2

Every value is a function of wall-clock time (`epoch` is when the fleet was generated, `tick` the
seconds between two pages-printed events), so counters keep rising across restarts of the simulator
and never go backwards. Counters move in whole ticks, which keeps total = mono + colour exact.

- counter: start + step * ticks.
- level:   a supply that loses `step` units per tick from `start`; when it reaches empty it is
           replaced by a full one (back to `capacity`), as a dealer would. Never below 0.
- brother: Brother's brInfoCounter record string (`<code> 01 04 <uint32>` ... `ff`), each record
           `r<code>=<start>+<step>` (the format the Brother MFC/HL/DCP models serve at that OID).
"""

import math
import time

# One snapshot of the clock per request: an SNMP GET of total, mono and colour is answered
# varbind by varbind, and a tick boundary between two of them would break total = mono + colour.
# snmpsim numbers the varbinds of one request down to 0 (varsRemaining), which marks a new request.
_CLOCK = {"key": None, "remaining": -1, "now": 0.0}
_SAME_REQUEST_SECONDS = 1.0


def init(**context):
    pass


def shutdown(**context):
    pass


def variate(oid, tag, value, **context):
    if context["setFlag"] or (not context["nextFlag"] and not context["exactMatch"]):
        return context["origOid"], tag, context["errorStatus"]
    settings = recordContext.get("settings")  # noqa: F821 - snmpsim injects recordContext
    if settings is None:
        settings = recordContext["settings"] = _parse(value)  # noqa: F821
    ticks = _ticks(settings, _request_time(context))
    return oid, tag, _KINDS[settings["kind"]](settings, ticks)


def _parse(value):
    pairs = (item.split("=", 1) for item in value.split(",") if item)
    return {key.strip(): raw.strip() for key, raw in pairs}


def _request_time(context):
    key = (context["dataFile"], context["varsTotal"])
    remaining = context["varsRemaining"]
    wall = time.time()
    same = key == _CLOCK["key"] and remaining < _CLOCK["remaining"] and wall - _CLOCK["now"] < _SAME_REQUEST_SECONDS
    if not same:
        _CLOCK["key"], _CLOCK["now"] = key, wall
    _CLOCK["remaining"] = remaining
    return _CLOCK["now"]


def _ticks(settings, now):
    elapsed = now - float(settings["epoch"])
    return max(0, math.floor(elapsed / float(settings["tick"])))


def _counter(settings, ticks):
    return int(settings["start"]) + int(settings["step"]) * ticks


def _level(settings, ticks):
    capacity = int(settings["capacity"])
    used = capacity - float(settings["start"]) + float(settings["step"]) * ticks
    return capacity - math.floor(used) % capacity


def _brother(settings, ticks):
    records = []
    for key in sorted(k for k in settings if k.startswith("r")):
        start, step = settings[key].split("+")
        count = (int(start) + int(step) * ticks) & 0xFFFFFFFF
        records.append(f"{int(key[1:], 16):02x}0104{count:08x}")
    return "".join(records) + "ff"


_KINDS = {"counter": _counter, "level": _level, "brother": _brother}
