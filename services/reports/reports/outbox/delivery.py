"""How a reminder leaves: e-mail through SMTP when ``SMTP_HOST`` is set, else a log line."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from reports.config import Settings

log = logging.getLogger("hanke.reports.outbox")


@dataclass(frozen=True)
class Message:
    id: int
    recipients: list[str]
    subject: str
    body: str
    message_id: str


class Sender(Protocol):
    async def send(self, message: Message) -> None: ...


class LogSender:
    """Development: the reminder as one log line."""

    async def send(self, message: Message) -> None:
        log.info(
            "reminder %s to %s: %s", message.id, ", ".join(message.recipients) or "(nobody)", message.subject
        )


class SmtpSender:
    """E-mail through the city's SMTP relay (STARTTLS and login when configured)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _send(self, message: Message) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = ", ".join(message.recipients)
        mail["Subject"] = message.subject
        mail["Message-ID"] = message.message_id  # the same on a retry: mail systems can drop a duplicate
        mail.set_content(message.body)
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(mail)

    async def send(self, message: Message) -> None:
        await asyncio.to_thread(self._send, message)


def sender_for(settings: Settings) -> Sender:
    return SmtpSender(settings) if settings.smtp_host else LogSender()
