"""Run a command as this process's only child; report its exit and peak memory as JSON.

    python tests/reliability/peak_memory.py TIMEOUT_S REPORT.json COMMAND...

The report holds ``returncode`` (None when the command outlived TIMEOUT_S and was killed),
``maxrss_mb`` (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: this wrapper has no other
child, so it is the command's own peak), ``stdout`` and ``stderr``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def main(timeout_s: float, report: str, command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
        returncode: int | None = done.returncode
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:  # run() killed and reaped it
        returncode, stdout, stderr = None, expired.stdout or b"", expired.stderr or b""
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(report, "w", encoding="utf-8") as f:
        json.dump({"returncode": returncode, "maxrss_mb": peak_kb / 1024,
                   "stdout": stdout.decode(errors="replace")[-4000:],
                   "stderr": stderr.decode(errors="replace")[-4000:]}, f)


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2], sys.argv[3:])
