"""Whether an ``@connections`` request carries an AWS Signature Version 4. Pure: no I/O.

API Gateway serves ``@connections`` behind IAM authorization, so its requests must be signed
with Signature Version 4 (API Gateway developer guide, "Use @connections commands in your
backend service"). A request without a signature is refused with 403; the 403 botocore's model
lists for this API is ``ForbiddenException`` (the caller is not authorized), which is what
:func:`signature_refusal` answers, with the text API Gateway's IAM authorization answers an
unsigned request with (``Missing Authentication Token``).

What is checked is the signature's *shape*: an ``Authorization: AWS4-HMAC-SHA256
Credential=..., SignedHeaders=..., Signature=...`` header (boto3, the AWS CLI and every SDK
send one), or the same in the query string of a presigned URL (``X-Amz-Algorithm=
AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-SignedHeaders=...&X-Amz-Signature=...``). The
signature itself is not verified: local_ws does not know the caller's secret key, so any
credentials (moto's ``testing``, a developer's real ones) are accepted. What this catches is a
client that would fail on AWS for not signing at all: ``curl``, ``requests``, a hand-written
``urllib`` POST.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from local_ws.errors import ForbiddenException

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
HEADER_PARTS = ("Credential=", "SignedHeaders=", "Signature=")
QUERY_PARTS = ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature")
MISSING_TOKEN = "Missing Authentication Token"
HINT = (
    "@connections requests must be signed with AWS Signature Version 4, as on AWS (boto3 and "
    "the AWS CLI sign them; any credentials do locally), or start local_ws with "
    "--allow-unsigned (allow_unsigned=True)."
)
QUOTED_CHARS = 40


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in any letter case, or None."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def signature_refusal(authorization: str | None, target: str) -> ForbiddenException | None:
    """The :class:`ForbiddenException` for a request that is not SigV4-signed, or None.

    ``authorization`` is the ``Authorization`` header (None when absent) and ``target`` the raw
    request target, whose query string may hold a presigned URL's signature."""
    if authorization is None or not authorization.strip():
        query = parse_qs(urlsplit(target).query)
        if query.get("X-Amz-Algorithm") == [SIGV4_ALGORITHM]:
            missing = [part for part in QUERY_PARTS if not query.get(part)]
            if not missing:
                return None
            return ForbiddenException(
                f"{MISSING_TOKEN}: the presigned URL lacks {', '.join(missing)}. {HINT}"
            )
        return ForbiddenException(f"{MISSING_TOKEN}. {HINT}")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme != SIGV4_ALGORITHM:
        return ForbiddenException(
            f"The Authorization header is not an AWS Signature Version 4 one "
            f"({SIGV4_ALGORITHM} Credential=..., SignedHeaders=..., Signature=...): got "
            f"{authorization[:QUOTED_CHARS]!r}. {HINT}"
        )
    missing = [part.rstrip("=") for part in HEADER_PARTS if part not in rest]
    if missing:
        return ForbiddenException(
            f"The {SIGV4_ALGORITHM} Authorization header lacks {', '.join(missing)}. {HINT}"
        )
    return None
