"""Demo data registry: apps register seeders that ``manage.py seed_demo`` runs after core's own seed.

Core cannot import the apps above it; each app registers ``fn(*, actor, stdout)`` from AppConfig.ready().
A seeder must be idempotent (running the demo twice creates nothing new) and return a one-line summary.
"""

from collections.abc import Callable

_seeders: list[tuple[int, str, Callable]] = []


def register_seeder(name: str, fn: Callable, *, order: int = 100) -> None:
    if name not in [n for _o, n, _f in _seeders]:
        _seeders.append((order, name, fn))


def seeders() -> list[tuple[str, Callable]]:
    return [(name, fn) for _order, name, fn in sorted(_seeders, key=lambda s: (s[0], s[1]))]
