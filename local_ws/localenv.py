"""The environment ``python -m local_ws`` gives the app it serves: sensible local defaults.

A tutorial app (Chalice's echo server: ``app.websocket_api.session = Session()``) needs a region
to build its ``apigatewaymanagementapi`` client and credentials to sign with; on Lambda both
come from the runtime's environment (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the role's keys).
Locally, :func:`app_environment` fills in what is missing — a region and moto's dummy keys — and
never replaces what the developer set (environment variables, a region in ``~/.aws/config``,
a credentials file):

* ``AWS_REGION`` and ``AWS_DEFAULT_REGION`` (both, as Lambda sets both): ``us-east-1``, when
  no region is configured anywhere;
* ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``: ``testing``, when no credentials are
  configured (no key or profile in the environment, no shared credentials file);
* ``AWS_ENDPOINT_URL`` = ``--aws-endpoint`` (e.g. moto's server): every boto3 client the app
  builds without an ``endpoint_url`` goes there (botocore reads ``AWS_ENDPOINT_URL``);
* ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` = local_ws's ``@connections`` URL (the
  service-specific variable wins over ``AWS_ENDPOINT_URL``), so an app that builds its own
  management client still reaches local_ws, not moto — unless the developer set it.

Pure: the caller reads the environment and the files (:func:`configured_region`,
:func:`credentials_file_exists`) and applies the answer before importing the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEFAULT_REGION = "us-east-1"
DUMMY_ACCESS_KEY_ID = "testing"
DUMMY_SECRET_ACCESS_KEY = "testing"
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# Any of these means the developer chose how boto3 finds credentials.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)
MANAGEMENT_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"


def app_environment(
    environ: Mapping[str, str],
    *,
    aws_endpoint: str | None,
    region_configured: bool,
    credentials_file: bool,
) -> dict[str, str]:
    """The variables to add to ``environ`` before the app is imported (only what is missing,
    and ``AWS_ENDPOINT_URL`` when ``aws_endpoint`` is given)."""
    added: dict[str, str] = {}
    if not region_configured and not any(environ.get(name) for name in REGION_VARIABLES):
        added.update({name: DEFAULT_REGION for name in REGION_VARIABLES})
    if not credentials_file and not any(environ.get(name) for name in CREDENTIAL_VARIABLES):
        added["AWS_ACCESS_KEY_ID"] = DUMMY_ACCESS_KEY_ID
        added["AWS_SECRET_ACCESS_KEY"] = DUMMY_SECRET_ACCESS_KEY
    if aws_endpoint:
        added["AWS_ENDPOINT_URL"] = aws_endpoint
    return added


def management_environment(environ: Mapping[str, str], management_url: str) -> dict[str, str]:
    """``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` pointing at local_ws, unless already set."""
    if environ.get(MANAGEMENT_ENDPOINT_VARIABLE):
        return {}
    return {MANAGEMENT_ENDPOINT_VARIABLE: management_url}


def configured_region(environ: Mapping[str, str], home: Path) -> bool:
    """Whether the shared config file names a region (``region =`` in any profile). I/O."""
    path = Path(environ.get("AWS_CONFIG_FILE") or home / ".aws" / "config")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.split("=", 1)[0].strip() == "region" for line in text.splitlines())


def credentials_file_exists(environ: Mapping[str, str], home: Path) -> bool:
    """Whether a shared credentials file exists (``~/.aws/credentials``). I/O."""
    path = environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"
    return Path(path).is_file()
