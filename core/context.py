"""Request and task context (request id, task id, IP) for audit events and logs."""

import logging
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_task_id: ContextVar[str] = ContextVar("task_id", default="")
_ip: ContextVar[str | None] = ContextVar("ip", default=None)


def set_request(*, request_id: str, ip: str | None) -> None:
    _request_id.set(request_id)
    _ip.set(ip)


def clear_request() -> None:
    _request_id.set("")
    _ip.set(None)


def set_task_id(task_id: str | None) -> None:
    _task_id.set(task_id or "")


def current_request_id() -> str:
    return _request_id.get()


def current_task_id() -> str:
    return _task_id.get()


def current_ip() -> str | None:
    return _ip.get()


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` (or the task id) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or _task_id.get() or "-"
        return True
