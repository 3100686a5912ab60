"""The built-in senders (see :mod:`portal.notify`)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from portal.notify import Message, SendError

log = logging.getLogger("portal.notify")


def notify_dir() -> Path:
    configured = getattr(settings, "PORTAL_NOTIFY_FILE_DIR", "")
    if configured:
        return Path(configured)
    from config.env import VAR_DIR

    return Path(VAR_DIR) / "notifications"


class DjangoEmailSender:
    def send(self, message: Message) -> str:
        sent = send_mail(
            message.subject,
            message.body,
            getattr(settings, "DEFAULT_FROM_EMAIL", None),
            [message.address],
            fail_silently=False,
        )
        if sent != 1:
            raise SendError("the mail backend did not accept the message")
        return f"mail:{message.address}"


class FileSmsSender:
    """Appends each SMS to ``sms.log`` in the notifications folder (one block per message)."""

    file_name = "sms.log"

    def send(self, message: Message) -> str:
        folder = notify_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / self.file_name
        block = (
            f"--- {timezone.localtime():%Y-%m-%d %H:%M:%S} SMS to {message.address} [{message.key}]\n{message.body}\n"
        )
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        return f"file:{path}"


class ConsoleSmsSender:
    def send(self, message: Message) -> str:
        log.info("SMS to %s [%s]: %s", message.address, message.key, message.body)
        return "console"


def _box_document(message: Message) -> bytes:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Powiadomienie><Tytul>"
        f"{escape(message.subject)}</Tytul><Tresc>{escape(message.body)}</Tresc></Powiadomienie>\n"
    ).encode()


class ElectronicBoxSender:
    """To the e-Delivery address (``AE:…``) through the e-Doręczenia adapter, otherwise to the ePUAP box through
    WS-Skrytka ``nadaj`` (the office's adapter; the simulated platforms in the demo)."""

    def send(self, message: Message) -> str:
        from epuap.client import EpuapClient, PlatformError
        from epuap.edoreczenia_client import EdoreczeniaClient, EdoreczeniaError

        content = _box_document(message)
        if message.address.startswith("AE:"):
            try:
                message_id = EdoreczeniaClient().send(
                    recipient_ade=message.address,
                    subject=message.subject,
                    attachments=[("powiadomienie.xml", "text/xml", content)],
                    text_body=message.body,
                )
            except EdoreczeniaError as exc:
                raise SendError(str(exc)) from exc
            return f"edoreczenia:{message_id}"
        reply = settings.EPUAP_BOXES[0] if getattr(settings, "EPUAP_BOXES", None) else ""
        try:
            result = EpuapClient().send(
                recipient_address=message.address,
                reply_address=reply,
                content=content,
                file_name="powiadomienie.xml",
            )
        except (PlatformError, ValueError) as exc:
            raise SendError(str(exc)) from exc
        return f"epuap:{result.document_id}"
