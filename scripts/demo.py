#!/usr/bin/env python
"""Run the Magistrat demo: the web server, a Celery worker and Celery beat, side by side.

``make demo`` runs migrate, seed_demo and collectstatic first, then this script. It runs on whatever the
environment says; with no DATABASE_URL / CELERY_BROKER_URL set that is the embedded default (SQLite and
the filesystem broker under var/), which needs nothing but Python.

Each child's output is shown line by line, prefixed with its name. Ctrl-C (SIGINT) or SIGTERM stops all
three (SIGTERM, a grace period, then SIGKILL; a second Ctrl-C kills at once) and exits 0. If one of them
dies on its own, the others are stopped and the exit status is 1.

Environment: DEMO_PORT (default 8000), DEMO_STOP_TIMEOUT (seconds, default 10). The children get
EPUAP_SIMULATION_BASE_URL=http://127.0.0.1:DEMO_PORT (unless set), so the ePUAP/e-Doręczenia adapters talk to the
simulations served by this demo's web server.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
HOST = "127.0.0.1"

DEMO_PASSWORD = "demo"  # noqa: S105 (the published password of the demo accounts)
DEMO_LOGINS = [  # as created by `manage.py seed_demo` (role labels as the Polish UI shows them)
    ("admin", "Administrator (also /admin/)"),
    ("kierownik", "Kierownik komórki"),
    ("referent", "Referent podatkowy"),
    ("ksiegowa", "Księgowy"),
    ("kancelaria", "Pracownik kancelarii"),
    ("ewidencja", "Referent ewidencji ludności"),
    ("mieszkaniec", "Mieszkaniec (portal)"),
]


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _child_preexec() -> None:
    """In the child, before exec: receive SIGTERM if the supervisor itself dies (Linux only)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = field(default=None, repr=False)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Starts named commands, relays their output, and stops them all together."""

    def __init__(
        self,
        commands: Sequence[tuple[str, Sequence[str]]],
        *,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        stop_timeout: float = 10.0,
        out: TextIO | None = None,
        poll_interval: float = 0.1,
        name: str = "demo",
    ) -> None:
        self.children = [Child(child_name, list(argv)) for child_name, argv in commands]
        self.env = env
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.out = out if out is not None else sys.stdout
        self.poll_interval = poll_interval
        self.name = name
        self.stop_requested = threading.Event()
        self._kill_now = False
        self._lock = threading.Lock()
        self._width = max(len(n) for n in [name, *(c.name for c in self.children)])
        use_color = hasattr(self.out, "isatty") and self.out.isatty() and not os.environ.get("NO_COLOR")
        palette = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]
        self._colors = {c.name: palette[i % len(palette)] for i, c in enumerate(self.children)} if use_color else {}
        if use_color:
            self._colors[name] = "\033[1m"

    # --- output ---------------------------------------------------------------------------------------
    def emit(self, name: str, text: str) -> None:
        color = self._colors.get(name, "")
        reset = "\033[0m" if color else ""
        with self._lock:
            self.out.write(f"{color}{name:<{self._width}} |{reset} {text}\n")
            self.out.flush()

    def say(self, text: str) -> None:
        self.emit(self.name, text)

    def _pump(self, child: Child) -> None:
        assert child.process is not None
        assert child.process.stdout is not None
        with child.process.stdout as stream:
            for raw in iter(stream.readline, b""):
                self.emit(child.name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    # --- signals --------------------------------------------------------------------------------------
    def request_stop(self, *_args: object) -> None:
        """Ask run() to stop everything; asking a second time kills without waiting. Signal-handler safe."""
        if self.stop_requested.is_set():
            self._kill_now = True
        self.stop_requested.set()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.request_stop)

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        # Start every process before any reader thread, so no thread exists while we fork.
        for child in self.children:
            try:
                child.process = subprocess.Popen(
                    child.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,  # our own Ctrl-C handling decides how children stop
                    preexec_fn=_child_preexec if _PRCTL is not None else None,
                )
            except OSError as exc:
                self.say(f"cannot start {child.name} ({child.argv[0]}): {exc}")
                self.stop_all()
                raise
        for child in self.children:
            child.reader = threading.Thread(target=self._pump, args=(child,), name=f"pump-{child.name}", daemon=True)
            child.reader.start()

    def run(self) -> int:
        """Start the children and supervise them. Returns 0 after a requested stop, 1 if a child died."""
        try:
            self.start()
        except OSError:
            return 1
        try:
            while True:
                if self.stop_requested.is_set():
                    names = ", ".join(c.name for c in self.children)
                    self.say(f"stopping {names} (up to {self.stop_timeout:g} s; Ctrl-C again kills at once) …")
                    self.stop_all()
                    self.say("all stopped")
                    return 0
                dead = next((c for c in self.children if not c.alive()), None)
                if dead is not None:
                    assert dead.process is not None
                    why = describe_returncode(dead.process.returncode)
                    self.say(f"{dead.name} exited unexpectedly ({why}): stopping the others")
                    self.stop_all()
                    return 1
                time.sleep(self.poll_interval)
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        """SIGTERM every live child's process group, wait up to stop_timeout, then SIGKILL what is left."""
        running = [c for c in self.children if c.alive()]
        for child in running:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while any(c.alive() for c in running) and time.monotonic() < deadline and not self._kill_now:
            time.sleep(0.05)
        for child in running:
            if child.alive():
                self.say(f"{child.name} did not stop in time: killing it")
                _signal_group(child, signal.SIGKILL)
            assert child.process is not None
            child.process.wait()
        for child in self.children:
            if child.reader is not None:
                child.reader.join(timeout=2)


def _signal_group(child: Child, sig: int) -> None:
    assert child.process is not None
    try:
        os.killpg(child.process.pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            child.process.send_signal(sig)


def describe_returncode(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


# --- the demo itself ------------------------------------------------------------------------------------


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def prepare_filesystem_broker() -> None:
    """Create the folders of kombu's filesystem broker (it does not create them itself)."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


def banner_lines(url: str) -> list[str]:
    lines = [
        "",
        f"Magistrat demo is running at {url}",
        f"  back office: {url}   admin: {url}admin/   portal: {url}portal/   API docs: {url}api/docs/",
        f'  demo logins (password "{DEMO_PASSWORD}" for all):',
    ]
    lines += [f"    {login:<12} {role}" for login, role in DEMO_LOGINS]
    lines += [
        "  ePUAP (simulated): the resident's side of the platform at "
        f"{url}sim/epuap/; the office's inbound queue at {url}epuap/ (login kancelaria).",
        "    seed_demo queued a few signed documents from test residents (one with a broken signature); the",
        "    worker polls the office's box every minute, so they appear in /epuap/ within a minute or two.",
        "  Ctrl-C stops web, worker and beat.",
        "",
    ]
    return lines


def demo_environment(port: int, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: the adapter must reach the simulated ePUAP/e-Doręczenia on the demo server.

    EPUAP_SIMULATION_BASE_URL (from which the EPUAP_*_URL and EDORECZENIA_*_URL defaults derive) is set to
    http://127.0.0.1:DEMO_PORT unless the environment sets it already.
    """
    env = dict(os.environ if environ is None else environ)
    env.setdefault("EPUAP_SIMULATION_BASE_URL", f"http://{HOST}:{port}")
    return env


def announce_when_ready(supervisor: Supervisor, url: str, timeout: float = 90.0) -> None:
    """Wait until the web server answers /healthz, then print the URL and the demo logins."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline and not supervisor.stop_requested.is_set():
        try:
            with urllib.request.urlopen(f"{url}healthz", timeout=2) as response:  # noqa: S310 (our own URL)
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
            continue
        break
    if supervisor.stop_requested.is_set():
        return
    for line in banner_lines(url):
        supervisor.say(line)
    if status is None:
        supervisor.say(f"warning: {url}healthz did not answer within {timeout:.0f} s")
    elif status != 200:
        supervisor.say(f"warning: {url}healthz answered {status} (see the web and worker output above)")


def demo_commands(port: int) -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("web", [python, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"]),
        ("worker", [python, "-m", "celery", "-A", "config", "worker", "-l", "info", "--pool=solo", "-n", "demo@%h"]),
        (
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                f"--schedule={VAR_DIR / 'celerybeat-schedule'}",
                f"--pidfile={VAR_DIR / 'celerybeat.pid'}",
            ],
        ),
    ]


def main() -> int:
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["PYTHONUNBUFFERED"] = "1"
    try:
        port = int(os.environ.get("DEMO_PORT", "8000"))
        stop_timeout = float(os.environ.get("DEMO_STOP_TIMEOUT", "10"))
    except ValueError as exc:
        print(f"demo: bad DEMO_PORT or DEMO_STOP_TIMEOUT: {exc}", file=sys.stderr)
        return 2
    for var in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        if os.environ.get(var):
            print(f"demo: warning: {var} is set, so the demo uses it instead of the embedded default.", file=sys.stderr)
    if port_in_use(HOST, port):
        print(f"demo: {HOST}:{port} is in use (another demo?). Stop it or set DEMO_PORT.", file=sys.stderr)
        return 2
    VAR_DIR.mkdir(exist_ok=True)
    prepare_filesystem_broker()

    url = f"http://{HOST}:{port}/"
    env = demo_environment(port)
    if env["EPUAP_SIMULATION_BASE_URL"].rstrip("/") != f"http://{HOST}:{port}":
        print(
            f"demo: warning: EPUAP_SIMULATION_BASE_URL={env['EPUAP_SIMULATION_BASE_URL']} is not this demo's server, "
            "so the ePUAP poll will not reach the demo's simulated platform.",
            file=sys.stderr,
        )
    supervisor = Supervisor(demo_commands(port), env=env, cwd=BASE_DIR, stop_timeout=stop_timeout)
    supervisor.install_signal_handlers()
    threading.Thread(target=announce_when_ready, args=(supervisor, url), name="announce", daemon=True).start()
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
