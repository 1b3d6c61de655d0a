"""What the compare_*.py scripts share: running a child process with its resources measured,
and describing the machine."""

import os
import platform
import re
import subprocess
import sys
import tempfile
import time


GNU_TIME = "/usr/bin/time"


def run_child(argv, env=None, timeout=None):
    """Run argv; return (stdout, stderr, exit status, wall s, CPU s, peak RSS bytes) of that child.

    Peak memory comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`) wrapped
    around the child: Linux's wait4() reports max(the child's peak, this Python process's RSS at
    the fork), because exec keeps the old address space's high-water mark, so a parent holding
    parsed results would inflate every child's number. Without GNU time the wait4 value is used
    and may be that inflated one. CPU is user + system of the child and everything it waited for.
    With a timeout the whole process group is SIGKILLed when it runs longer (then
    exit status -9); see run_child_timed."""
    text, errtext, rc, wall, cpu, peak, _ = run_child_timed(argv, env, timeout)
    return text, errtext, rc, wall, cpu, peak


def run_child_timed(argv, env=None, timeout=None):
    """run_child plus whether the timeout killed it: a 7-tuple."""
    import signal
    import threading

    wrapped = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="peak-rss-", suffix=".txt") as peak_file:
        cmd = [GNU_TIME, "-f", "%M", "-o", peak_file.name, *argv] if wrapped else list(argv)
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        lock = threading.Lock()
        state = {"done": False, "killed": False}

        def kill():
            with lock:
                if not state["done"]:  # not reaped yet, so the group id is still ours
                    state["killed"] = True
                    os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
        wall = time.perf_counter() - t0
        with lock:
            state["done"] = True
        if timer:
            timer.cancel()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
        peak = ru.ru_maxrss * 1024  # KiB on Linux
        if wrapped:
            peak_file.seek(0)
            lines = [x.strip() for x in peak_file.read().decode("utf-8", "replace").splitlines()]
            kib = [int(x) for x in lines if x.isdigit()]
            if kib:  # the file may also hold "Command exited with non-zero status N"
                peak = kib[-1] * 1024
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        errtext = err.read().decode("utf-8", "replace")
    return text, errtext, p.returncode, wall, ru.ru_utime + ru.ru_stime, peak, state["killed"]


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


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def marked_span(text, begin, end):
    """The span of the block between the marker lines `begin` and `end` in `text` (each counts
    only on a line of its own: prose may quote it), or None; ValueError for an unpaired marker."""
    b = re.search(rf"^{re.escape(begin)}$", text, flags=re.M)
    e = re.search(rf"^{re.escape(end)}$", text, flags=re.M)
    if b and e and e.start() > b.start():
        return b.start(), e.end()
    if b or e:
        raise ValueError(f"the markers {begin} and {end} are not a pair in that order; fix the file first")
    return None


def check_markers(path, begin, end):
    """Raise ValueError now (before a long run) when `path` has an unpaired marker."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            marked_span(f.read(), begin, end)


def write_marked_block(path, block, begin, end, new_file=""):
    """Replace the marked block of `path` with `block`; append it with its markers when absent
    (a missing file starts as `new_file`)."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    else:
        text = new_file
    span = marked_span(text, begin, end)
    wrapped = f"{begin}\n{block.rstrip()}\n{end}"
    text = text[:span[0]] + wrapped + text[span[1]:] if span else text.rstrip("\n") + "\n\n" + wrapped + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def emit_report(report, out=None):
    """Print the report and, with `out`, also write it there."""
    sys.stdout.write(report)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(report)


def git_describe(workspace):
    """`git describe --always --dirty` of the workspace, or "?"."""
    try:
        return subprocess.run(["git", "-C", workspace, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def mib(b):
    return b / (1024 * 1024)
