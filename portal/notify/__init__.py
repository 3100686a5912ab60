"""Senders of the portal's notifications, one per channel, chosen by settings (read with ``getattr``):

* ``PORTAL_NOTIFY_EMAIL_BACKEND`` (default :class:`~portal.notify.backends.DjangoEmailSender`): Django's mail
  (``EMAIL_BACKEND`` decides SMTP, console, file…).
* ``PORTAL_NOTIFY_SMS_BACKEND`` (default :class:`~portal.notify.backends.FileSmsSender`): an SMS gateway is a
  contract of the office; until one is configured the messages are appended to
  ``PORTAL_NOTIFY_FILE_DIR/sms.log`` (default ``var/notifications/``). ``ConsoleSmsSender`` logs them instead.
* ``PORTAL_NOTIFY_BOX_BACKEND`` (default :class:`~portal.notify.backends.ElectronicBoxSender`): the resident's
  e-Delivery address (ADE) through the e-Doręczenia adapter, else their ePUAP box through WS-Skrytka ``nadaj``.

A sender is a class with ``send(message: Message) -> str`` returning a reference; it raises
:class:`SendError` (or anything else) on failure — the notification is then logged as failed and retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS = {
    "email": "portal.notify.backends.DjangoEmailSender",
    "sms": "portal.notify.backends.FileSmsSender",
    "box": "portal.notify.backends.ElectronicBoxSender",
}
SETTINGS = {
    "email": "PORTAL_NOTIFY_EMAIL_BACKEND",
    "sms": "PORTAL_NOTIFY_SMS_BACKEND",
    "box": "PORTAL_NOTIFY_BOX_BACKEND",
}


class SendError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    channel: str
    address: str  # e-mail, phone number, ADE or ePUAP box
    subject: str
    body: str
    key: str


def sender_for(channel: str):
    """An instance of the sender configured for ``channel``."""
    path = getattr(settings, SETTINGS[channel], "") or DEFAULTS[channel]
    return import_string(path)()
