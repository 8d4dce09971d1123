"""The Task Scheduler definition (schema http://schemas.microsoft.com/windows/2004/02/mit/task, version 1.2: every
element used here exists since Vista / Server 2008), registered with `schtasks /Create /XML`."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from agent_client.windows.layout import SYSTEM_SID

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
RESTART_INTERVAL = "PT1M"  # the shortest Task Scheduler accepts
RESTART_COUNT = "255"  # the schema's maximum (unsignedByte): the supervisor restarts; this is the backstop

SETTINGS = (
    ("MultipleInstancesPolicy", "IgnoreNew"),  # `schtasks /Run` while it runs starts no second agent
    ("DisallowStartIfOnBatteries", "false"),  # laptops at reception desks
    ("StopIfGoingOnBatteries", "false"),
    ("AllowHardTerminate", "true"),  # `windows stop` ends it with `schtasks /End` if the stop file is not heeded
    ("StartWhenAvailable", "true"),  # a missed start (the machine was off) runs as soon as it can
    ("RunOnlyIfNetworkAvailable", "false"),  # the agent waits for the network itself and reads offline
    ("AllowStartOnDemand", "true"),
    ("Enabled", "true"),
    ("Hidden", "false"),
    ("RunOnlyIfIdle", "false"),
    ("WakeToRun", "false"),
    ("ExecutionTimeLimit", "PT0S"),  # no limit: the default (3 days) would kill the agent every third day
    ("Priority", "7"),
)


def task_xml(*, python: str, arguments: Sequence[str], working_directory: str, description: str) -> bytes:
    """UTF-16 with a BOM, as schtasks expects. `arguments` are quoted the way Windows programs split them."""
    task = ET.Element("Task", {"version": "1.2", "xmlns": TASK_NS})
    info = ET.SubElement(task, "RegistrationInfo")
    _text(info, "Description", description)
    boot = ET.SubElement(ET.SubElement(task, "Triggers"), "BootTrigger")
    _text(boot, "Enabled", "true")
    principal = ET.SubElement(ET.SubElement(task, "Principals"), "Principal", {"id": "Author"})
    _text(principal, "UserId", SYSTEM_SID)  # LocalSystem, by SID: the name is localized
    _text(principal, "RunLevel", "HighestAvailable")
    task.append(_settings())
    exec_ = ET.SubElement(ET.SubElement(task, "Actions", {"Context": "Author"}), "Exec")
    _text(exec_, "Command", python)
    _text(exec_, "Arguments", subprocess.list2cmdline(list(arguments)))
    _text(exec_, "WorkingDirectory", working_directory)
    ET.indent(task)
    return ('<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n").encode("utf-16")


def _settings() -> ET.Element:
    settings = ET.Element("Settings")
    for name, value in SETTINGS:
        _text(settings, name, value)
    idle = ET.SubElement(settings, "IdleSettings")
    _text(idle, "StopOnIdleEnd", "false")
    _text(idle, "RestartOnIdle", "false")
    restart = ET.SubElement(settings, "RestartOnFailure")
    _text(restart, "Interval", RESTART_INTERVAL)
    _text(restart, "Count", RESTART_COUNT)
    return settings


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text
