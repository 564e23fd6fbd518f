"""JSON:API documents as an Open Event server sends them, turned into the shapes of an export.

Pure: parsed documents in, plain values out, :class:`DocumentError` when a document cannot be
used. :func:`flatten_jsonapi` makes each resource ``{"id", ...attributes}`` with every
relationship whose ``data`` is present nested under its own name (the ``included`` resource,
flattened, or ``{"id"}`` when it was not included); a relationship that carries only ``links``
is left out, since the server sends ``data`` only for what ``include=`` named.
:class:`Collection` follows a paginated collection page by page (``links.next``, relative and
URL-encoded, is resolved against the page it came from) and refuses to end with part of it.
:func:`error_detail` reads the server's own words from an error document.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from build_runner.errors import ApkgenError


class DocumentError(ApkgenError):
    """A document cannot be used (not JSON:API, too many items, pages that loop…)."""


def is_jsonapi(document: Any) -> bool:
    """A JSON:API document has a top-level ``data`` member (and no plain export fields)."""
    return isinstance(document, dict) and "data" in document and (
        isinstance(document["data"], list | dict) or document["data"] is None)


Included = dict[tuple[str, str], dict[str, Any]]


def _flatten_resource(resource: dict[str, Any], included: Included) -> dict[str, Any]:
    attributes = resource.get("attributes")
    flat: dict[str, Any] = dict(attributes) if isinstance(attributes, dict) else {}
    if "id" in resource:
        flat["id"] = resource["id"]
    relationships = resource.get("relationships")
    for name, rel in (relationships.items() if isinstance(relationships, dict) else ()):
        if not isinstance(rel, dict) or "data" not in rel:
            continue  # only links: the relationship was not asked for with include=

        def one(ref: Any) -> Any:
            if not isinstance(ref, dict):
                return ref
            key = (str(ref.get("type")), str(ref.get("id")))
            return included.get(key) or {"id": ref.get("id")}

        data = rel["data"]
        flat[name] = [one(r) for r in data] if isinstance(data, list) else one(data)
    return flat


def flatten_jsonapi(document: dict[str, Any]) -> Any:
    """``{"data": [{"id", "type", "attributes", "relationships"}]}`` → ``[{"id", ...attrs}]``.

    A to-one relationship becomes a nested object (``None`` for ``"data": null``), a to-many one
    a list of them; a single resource becomes one object. The resource's ``type`` is dropped, so
    an attribute of that name (a sponsor's ``type``, ``Gold``) is kept as it is.
    """
    included: Included = {}
    for resource in document.get("included") or []:
        if isinstance(resource, dict):
            included[(str(resource.get("type")), str(resource.get("id")))] = \
                _flatten_resource(resource, {})
    data = document.get("data")
    if isinstance(data, list):
        return [_flatten_resource(r, included) if isinstance(r, dict) else r for r in data]
    if isinstance(data, dict):
        return _flatten_resource(data, included)
    return data


def next_link(document: Any) -> str | None:
    """``links.next`` of a page, as sent (often relative), or None on the last page."""
    links = document.get("links") if isinstance(document, dict) else None
    nxt = links.get("next") if isinstance(links, dict) else None
    return nxt if isinstance(nxt, str) and nxt.strip() else None


def listed_count(document: Any) -> int | None:
    """``meta.count``: how many items the whole collection holds, when the server says."""
    meta = document.get("meta") if isinstance(document, dict) else None
    count = meta.get("count") if isinstance(meta, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


class Collection:
    """The pages of one collection, read in order; ``what`` names its items in messages.

    Call order::

        pages = Collection(first_url, "sessions", cap)
        while pages.next_url:
            pages.add(download_and_parse(pages.next_url))
        pages.items

    :meth:`add` raises DocumentError when a page is not a JSON:API collection, when the
    collection holds more than ``cap`` items, when its pages lead back to one already read or a
    page without items still names a next one.
    """

    def __init__(self, url: str, what: str, cap: int) -> None:
        self.what = what
        self.cap = cap
        self.next_url: str | None = url
        self.items: list[Any] = []
        self.pages = 0
        self.listed: int | None = None
        self._ids: set[str] = set()
        self._visited: set[str] = set()

    def add(self, document: Any) -> None:
        """Take the page just read from :attr:`next_url`; move :attr:`next_url` on."""
        url = self.next_url or ""
        self._visited.add(url)
        if not is_jsonapi(document) or not isinstance(document["data"], list):
            raise DocumentError("it is not a JSON:API collection (no \"data\" array)")
        self.pages += 1
        if self.pages == 1:
            self.listed = listed_count(document)
            if self.listed is not None and self.listed > self.cap:
                raise self._too_many(self.listed)
        for item in flatten_jsonapi(document):
            key = str(item.get("id")) if isinstance(item, dict) and "id" in item else None
            if key is not None:
                if key in self._ids:
                    continue  # the list moved under the pages: the same item twice
                self._ids.add(key)
            self.items.append(item)
        if len(self.items) > self.cap:
            raise self._too_many(len(self.items))
        link = next_link(document)
        if link is None:
            self.next_url = None
            return
        following = urllib.parse.urljoin(url, link.strip())
        if following in self._visited:
            raise DocumentError(f"the pages of {self.what} lead back to {following}, a page "
                                "already read")
        if not document["data"]:
            raise DocumentError(f"the page holds no {self.what} yet links to a next one "
                                f"({following})")
        self.next_url = following

    def check_complete(self) -> None:
        """After the last page: DocumentError when fewer items came than the server listed."""
        if self.listed is not None and len(self.items) < self.listed:
            raise DocumentError(
                f"the server lists {self.listed} {self.what} but its {self.pages} page"
                f"{'' if self.pages == 1 else 's'} held {len(self.items)}; the event changed "
                "while it was read or the server's pages are broken (try the build again)")

    def _too_many(self, count: int) -> DocumentError:
        return DocumentError(f"the event has {count} {self.what}, more than the {self.cap} an "
                             "app is built with; the app would be incomplete, so it is not built")


def error_detail(body: bytes) -> str:
    """The server's own words in an error document (``Event: 8 not found``), or ``""``.

    JSON:API errors are ``{"errors": [{"status", "title", "detail", "source"}]}``; each error
    gives its ``detail`` (or its ``title`` when it has none). The server's rate limiter answers
    a bare ``{"status": 429, "title": ...}``, which gives its title.
    """
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ""
    if not isinstance(document, dict):
        return ""
    errors = document.get("errors")
    entries = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [
        document]
    said: list[str] = []
    for entry in entries:
        for key in ("detail", "title"):
            text = entry.get(key)
            if isinstance(text, str) and text.strip():
                if text.strip() not in said:
                    said.append(text.strip())
                break
    return "; ".join(said)


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def looks_like_html(body: bytes, content_type: str) -> bool:
    """Whether a web page came back (a public event page, a proxy's error page) instead of JSON."""
    return content_type.lower() in HTML_TYPES or body.lstrip()[:1] == b"<"
