"""The process supervisor of scripts/demo.py (``make demo``), exercised with short dummy children."""

import importlib.util
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "demo.py"


def _load_demo_module():
    spec = importlib.util.spec_from_file_location("magistrat_demo_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


demo = _load_demo_module()

SLEEPER = [sys.executable, "-c", "import time; time.sleep(30)"]


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _run_in_thread(supervisor) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def target():
        result["code"] = supervisor.run()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def test_a_requested_stop_stops_every_child_and_returns_0():
    out = io.StringIO()
    sup = demo.Supervisor([("one", SLEEPER), ("two", SLEEPER)], out=out, stop_timeout=5)
    thread, result = _run_in_thread(sup)
    _wait_for(lambda: all(c.alive() for c in sup.children))

    started = time.monotonic()
    sup.request_stop()
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert result["code"] == 0
    assert time.monotonic() - started < 5
    assert [c.process.returncode for c in sup.children] == [-signal.SIGTERM, -signal.SIGTERM]
    assert "all stopped" in out.getvalue()


def test_a_dying_child_stops_the_others_and_the_exit_status_is_not_0():
    out = io.StringIO()
    dying = _py("""
        import sys, time
        print("bye", flush=True)
        time.sleep(0.3)
        sys.exit(3)
    """)
    sup = demo.Supervisor([("dying", dying), ("sleeper", SLEEPER)], out=out, stop_timeout=5)

    started = time.monotonic()
    code = sup.run()

    assert code == 1
    assert time.monotonic() - started < 10
    assert sup.children[0].process.returncode == 3
    assert sup.children[1].process.returncode == -signal.SIGTERM
    text = out.getvalue()
    assert "dying   | bye" in text
    assert "dying exited unexpectedly (exit status 3)" in text


def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout():
    out = io.StringIO()
    stubborn = _py("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(30)
    """)
    sup = demo.Supervisor([("stubborn", stubborn)], out=out, stop_timeout=0.5)
    thread, result = _run_in_thread(sup)
    _wait_for(lambda: "stubborn | ready" in out.getvalue())

    sup.request_stop()
    thread.join(timeout=10)

    assert result["code"] == 0
    assert sup.children[0].process.returncode == -signal.SIGKILL
    assert "stubborn did not stop in time: killing it" in out.getvalue()


def test_a_second_stop_request_kills_without_waiting():
    out = io.StringIO()
    stubborn = _py("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(30)
    """)
    sup = demo.Supervisor([("stubborn", stubborn)], out=out, stop_timeout=30)
    thread, result = _run_in_thread(sup)
    _wait_for(lambda: "stubborn | ready" in out.getvalue())

    started = time.monotonic()
    sup.request_stop()
    time.sleep(0.2)
    sup.request_stop()
    thread.join(timeout=10)

    assert result["code"] == 0
    assert time.monotonic() - started < 5
    assert sup.children[0].process.returncode == -signal.SIGKILL


def test_a_command_that_cannot_start_fails_and_stops_the_started_ones():
    out = io.StringIO()
    sup = demo.Supervisor([("ok", SLEEPER), ("missing", ["/nonexistent/magistrat-command"])], out=out, stop_timeout=5)

    assert sup.run() == 1
    assert sup.children[0].process.returncode == -signal.SIGTERM
    assert "cannot start missing" in out.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_to_the_supervisor_process_stops_all_children_and_exits_0(tmp_path):
    """The real thing: a supervisor process with installed handlers, sent SIGINT as Ctrl-C would."""
    child = _py("""
        import os, time
        print("pid", os.getpid(), flush=True)
        time.sleep(30)
    """)
    runner = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("demo_script", {str(SCRIPT)!r})
        demo = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = demo
        spec.loader.exec_module(demo)
        sup = demo.Supervisor([("a", {child!r}), ("b", {child!r})], stop_timeout=5)
        sup.install_signal_handlers()
        sys.exit(sup.run())
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", runner], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    pids = {}
    try:
        while len(pids) < 2:
            line = proc.stdout.readline()
            assert line, "supervisor exited before its children started"
            name, _, rest = line.partition("|")
            if rest.strip().startswith("pid "):
                pids[name.strip()] = int(rest.split()[1])
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == 0, output
    assert "all stopped" in output
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_banner_shows_the_url_and_every_demo_login():
    text = "\n".join(demo.banner_lines("http://127.0.0.1:8000/"))

    assert "http://127.0.0.1:8000/" in text
    assert 'password "demo"' in text
    for login in ["admin", "kierownik", "referent", "ksiegowa", "kancelaria", "ewidencja", "mieszkaniec"]:
        assert f"    {login} " in text


def test_the_demo_runs_web_worker_and_beat():
    names = [name for name, _argv in demo.demo_commands(8123)]
    commands = {name: " ".join(argv) for name, argv in demo.demo_commands(8123)}

    assert names == ["web", "worker", "beat"]
    assert "runserver 127.0.0.1:8123 --noreload" in commands["web"]
    assert "celery -A config worker" in commands["worker"]
    assert "celery -A config beat" in commands["beat"]
