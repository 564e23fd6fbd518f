"""The limits that keep a hostile or broken upload from harming the runner.

Every number the input side enforces is named here, once; ``Limits`` groups them so a caller
(a test, the CLI, the runner's settings) can tighten or loosen any of them by keyword.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB

MAX_ZIP_BYTES = 50 * MiB
MAX_FILES = 2000
MAX_TOTAL_UNCOMPRESSED = 200 * MiB
# Deflate reaches about 1:1000 on zeros; real exports stay far below 1:100.
MAX_RATIO = 100
# Entries smaller than this are never rejected for their ratio: tiny files compress oddly.
RATIO_MIN_BYTES = 64 * KiB
MAX_JSON_BYTES = 20 * MiB
MAX_JSON_DEPTH = 64
MAX_IMAGE_BYTES = 10 * MiB
MAX_IMAGE_PIXELS = 40_000_000
FETCH_TIMEOUT_S = 10.0
MAX_FETCH_BYTES = 20 * MiB
MAX_REDIRECTS = 5
# After this many failed downloads from one host the rest of its images are skipped.
MAX_HOST_FAILURES = 3
# Reading an event from its API (every document, every page, every retry) takes at most this
# long, in seconds of wall-clock time, however slowly the server sends.
API_BUDGET_S = 60.0
# The wall-clock budget of all remote image downloads of one build together.
IMAGES_BUDGET_S = 90.0
# Items of one API collection (sessions, speakers, ...) read at most. More is an error: the
# app is never built from part of an event.
MAX_API_ITEMS = 10_000
# Tries of one API document when the server answers 5xx or 429, times out or drops the
# connection; the pause between tries starts at API_RETRY_PAUSE_S and doubles.
API_ATTEMPTS = 3
API_RETRY_PAUSE_S = 0.5


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What an upload may be at most. Every field is a named constant above.

    ``allow_private_hosts`` lets fetches reach loopback and private (RFC 1918) addresses, which a
    local stack and the tests need; link-local addresses (the cloud metadata service) are never
    fetched whatever it says.
    """

    # The zip.
    max_zip_bytes: int = MAX_ZIP_BYTES
    max_files: int = MAX_FILES
    max_total_uncompressed: int = MAX_TOTAL_UNCOMPRESSED
    max_ratio: int = MAX_RATIO
    # The JSON files.
    max_json_bytes: int = MAX_JSON_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    # The images.
    max_image_bytes: int = MAX_IMAGE_BYTES
    max_image_pixels: int = MAX_IMAGE_PIXELS
    # Downloads (API documents and remote images).
    fetch_timeout_s: float = FETCH_TIMEOUT_S
    max_fetch_bytes: int = MAX_FETCH_BYTES
    allow_private_hosts: bool = True
    # The API source.
    api_budget_s: float = API_BUDGET_S
    images_budget_s: float = IMAGES_BUDGET_S
    max_api_items: int = MAX_API_ITEMS


def human_size(size: int) -> str:
    """``52428800`` → ``50.0 MiB``; small sizes in KiB or bytes, so tiny test limits read well."""
    if size >= MiB:
        return f"{size / MiB:.1f} MiB"
    if size >= KiB:
        return f"{size / KiB:.1f} KiB"
    return f"{size} bytes"
