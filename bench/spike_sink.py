"""The spike's SMTP sink: an aiosmtpd handler that files each email under its recipient.

bench/spike.py starts it in a subprocess, as a mail server the worker really talks to:

    python -m aiosmtpd -n -l 127.0.0.1:PORT -c bench.spike_sink.ByRecipient DIRECTORY

Each message's plain-text body is appended to `DIRECTORY/<recipient>.txt`, decoded (a
quoted-printable body wraps long links), so a simulated person finds the link in their
own mail by reading one small file, as they would open their inbox, instead of scanning a
Maildir that thousands of messages share.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from urllib.parse import quote


def inbox(directory: Path, address: str) -> Path:
    """The file holding what was sent to `address` (the locust users read it)."""
    return directory / f"{quote(address.lower(), safe='@.')}.txt"


class ByRecipient:
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args: str) -> ByRecipient:
        """How `python -m aiosmtpd -c` builds a handler from its arguments."""
        if len(args) != 1:
            parser.error("The only argument is the directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        for recipient in envelope.rcpt_tos:
            with inbox(self.directory, recipient).open("a", encoding="utf-8") as mailbox:
                mailbox.write(f"Subject: {message['subject']}\n\n{text}\n\n")
        return "250 Message accepted for delivery"
