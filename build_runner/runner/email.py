"""The optional email to the organizer when a build ends (SES).

Sent only when ``settings.ses_sender`` is set and the build has an ``email`` option. A failed
send is logged and never fails the build: the page and the API show the same result.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)


def compose(
    build_id: str,
    status: str,
    *,
    label: str | None,
    error: str | None,
    page_url: str,
    download_url: str | None,
) -> tuple[str, str]:
    """Subject and plain-text body of the notice. Pure."""
    name = label or "your event app"
    if status == "succeeded":
        subject = f"{name} is ready"
        lines = [f"The Android app {name} was built.", ""]
        if download_url:
            lines += ["Download the APK (this link expires):", download_url, ""]
        lines += ["The build's page, with its log and a fresh download link:", page_url]
    else:
        subject = f"The build of {name} {status}"
        lines = [f"The build {status}: {error or 'no reason recorded'}", "",
                 "The build's page, with its log and the problems found:", page_url]
    lines += ["", f"Build id: {build_id}"]
    return subject, "\n".join(lines) + "\n"


class Mailer:
    """Sends the notice through SES from ``sender``."""

    def __init__(self, ses_client: Any, sender: str, public_url: str) -> None:
        self._ses = ses_client
        self._sender = sender
        self._public_url = public_url.rstrip("/")

    def page_url(self, build_id: str) -> str:
        return f"{self._public_url}/b/{build_id}"

    def notify(
        self,
        to: str,
        build_id: str,
        status: str,
        *,
        label: str | None = None,
        error: str | None = None,
        download_url: str | None = None,
    ) -> bool:
        """Send the notice to ``to``; False (after logging why) when SES refused it."""
        subject, body = compose(
            build_id, status, label=label, error=error,
            page_url=self.page_url(build_id), download_url=download_url,
        )
        try:
            self._ses.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("build %s: could not email %s: %s", build_id, to, exc)
            return False
        return True
