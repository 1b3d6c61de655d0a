"""What the compare_*.py scripts share: running a child process with its resources measured,
and describing the machine."""

import os
import platform
import subprocess
import tempfile
import time


def run_child(argv, env=None):
    """Run argv; return (stdout, stderr, exit status, wall s, CPU s, peak RSS bytes) of that child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        errtext = err.read().decode("utf-8", "replace")
    return text, errtext, p.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024  # KiB on Linux


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (or what platform knows)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def mib(b):
    return b / (1024 * 1024)
