"""The agent on Windows: installed under %ProgramData%\\Meterbridge and started at boot by a scheduled task.

Decision: a scheduled task running as SYSTEM, not a pywin32 service class.
- pywin32 needs a wheel built for the host's exact Python and a post-install step that registers its DLLs; it
  cannot ride inside the pure-Python meterbridge-agent.pyz, so every site would need pip and a compiler-free wheel
  for its Python. Task Scheduler is on every Windows the agent supports, and `schtasks /Create /XML` needs nothing.
- SYSTEM reads the print spooler (Win32_Printer) and every file under ProgramData; no password to store or expire.
- A boot trigger starts it before anyone signs in. The task runs `windows supervise` (supervisor.py), a small loop
  that runs `meterbridge-agent run`, restarts it at once when it exits 75 (a self-update swapped the file) and after
  a growing delay when it fails. Task Scheduler's own RestartOnFailure is kept as the backstop, but it only fires
  when the task's process cannot start or dies, not on an exit code, hence the supervisor.
- Graceful stop, the Windows equivalent of SIGTERM: `windows stop` writes the stop file (stop_file.py); `run`
  watches for it, finishes or abandons its cycle as on SIGTERM (a leased directive lapses and is offered again)
  and exits; the supervisor then exits too. Only if that times out does `windows stop` end the task outright.

Everything that decides (paths, ACL commands, the task XML, the order of steps) is pure and runs on Linux: `windows
install --dry-run` prints the plan, and the tests check it there. None of it has run on a real Windows machine yet.
"""
