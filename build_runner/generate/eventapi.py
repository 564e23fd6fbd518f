"""Reading one event from its Open Event API: every document, every page, within one budget.

:func:`fetch_api` asks the server for the documents :mod:`~build_runner.generate.eventyay`
names, downloading them with a :class:`~build_runner.generate.fetch.Fetcher` (retried on 5xx,
429 and timeouts), and flattens and pages them as :mod:`~build_runner.generate.jsonapi` says.
What cannot be read becomes a problem naming the URL, the HTTP status and the server's own
detail, with a hint for the organizer (the event's web page given instead of its API URL, an
unknown event, a server that is down).
"""

from __future__ import annotations

from typing import Any

from build_runner.generate.deadline import Deadline
from build_runner.generate.eventyay import (
    DOCUMENTS,
    EXAMPLE_API_URL,
    ApiDocument,
    api_base,
    document_url,
    public_page_api_url,
)
from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.jsonapi import (
    Collection,
    DocumentError,
    error_detail,
    flatten_jsonapi,
    is_jsonapi,
    looks_like_html,
)
from build_runner.generate.jsonload import INVALID, parse_json
from build_runner.generate.limits import API_ATTEMPTS, Limits
from build_runner.generate.problems import Problems

JSON_ACCEPT = "application/vnd.api+json, application/json"


class _Unreadable(Exception):
    """One document failed at ``url``; ``reason`` says why, ``cause`` is the error."""

    def __init__(self, url: str, reason: str, cause: Exception, html: bool = False) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.cause = cause
        self.html = html


def _page(fetcher: Fetcher, url: str, budget: Deadline, limits: Limits) -> Any:
    """One JSON document; :class:`_Unreadable` saying why not."""
    try:
        download = fetcher.fetch(url, limits.max_json_bytes, JSON_ACCEPT, deadline=budget,
                                 attempts=API_ATTEMPTS)
    except FetchError as exc:
        reason = str(exc)
        if exc.attempts > 1:
            reason += f" ({exc.attempts} tries)"
        if detail := error_detail(exc.body):
            reason += f"; the server says: {detail}"
        raise _Unreadable(url, reason, exc) from exc
    if looks_like_html(download.data, download.content_type):
        raise _Unreadable(url, "it sent a web page (HTML) where a JSON:API document was "
                          "expected", DocumentError("HTML"), html=True)
    scratch = Problems()
    value = parse_json(download.data, "", limits, scratch)
    if value is INVALID:
        message = scratch.errors[0].message if scratch.errors else "is not JSON"
        raise _Unreadable(url, f"the document {message}", DocumentError(message))
    return value


def _read(fetcher: Fetcher, document: ApiDocument, url: str, budget: Deadline,
          limits: Limits) -> Any:
    """The flattened document: the event's object, or every item of a list."""
    if not document.collection:
        page = _page(fetcher, url, budget, limits)
        if not is_jsonapi(page) or not isinstance(page["data"], dict):
            error = DocumentError("it is not a JSON:API resource (no \"data\" object)")
            raise _Unreadable(url, str(error), error)
        return flatten_jsonapi(page)
    pages = Collection(url, document.what, limits.max_api_items)
    while pages.next_url:
        at = pages.next_url
        try:
            pages.add(_page(fetcher, at, budget, limits))
        except DocumentError as exc:
            raise _Unreadable(at, str(exc), exc) from exc
    try:
        pages.check_complete()
    except DocumentError as exc:
        raise _Unreadable(url, str(exc), exc) from exc
    return pages.items


def _hint(document: ApiDocument, failure: _Unreadable, base: str) -> str:
    if failure.html:
        suggestion = public_page_api_url(base)
        if suggestion:
            return f"this is the event's web page; use its API URL {suggestion}"
        return f"use the event's API URL, such as {EXAMPLE_API_URL}, not a web page"
    cause = failure.cause
    if isinstance(cause, FetchError) and cause.status == 404 and document.name == "event":
        return f"check the event's id or identifier in the API URL, e.g. {EXAMPLE_API_URL}"
    if isinstance(cause, FetchError) and cause.retryable:
        return "check that the API is reachable, then try the build again"
    if isinstance(cause, FetchError) and cause.status is None:
        return f"check the API URL, e.g. {EXAMPLE_API_URL}"
    return ""


def _report_unread(documents: tuple[ApiDocument, ...], budget: Deadline,
                   problems: Problems) -> None:
    """Once the budget is spent: one error for the required documents never asked for, one
    warning for the optional ones."""
    required = [d for d in documents if d.required]
    optional = [d for d in documents if not d.required]
    if required:
        problems.error(required[0].name, "", f"not read ({', '.join(d.name for d in required)}): "
                       f"{budget.message}", hint="the server is slow or stalled; try the build "
                       "again later")
    if optional:
        problems.warning(optional[0].name, "", f"not read ({', '.join(d.name for d in optional)})"
                         f": {budget.message}; {'; '.join(d.lacks for d in optional)}")


def fetch_api(base_url: str, fetcher: Fetcher, limits: Limits,
              problems: Problems) -> dict[str, Any]:
    """Every document of the event at ``base_url``, in the shapes of a dashed-key zip export.

    ``base_url`` is ``https://host/v1/events/{id or identifier}``. The result has ``event``
    (its social links under ``social-links`` as ``{"name", "link"}``), ``sessions`` (each with
    its ``track``, ``microlocation``, ``session-type`` and ``speakers`` nested), ``speakers``,
    ``tracks``, ``microlocations``, ``session_types`` and ``sponsors``; every resource is
    ``{"id", ...attributes as the server spells them}``. Every page of every list is read
    within ``limits.api_budget_s`` in all; a list longer than ``limits.max_api_items`` is an
    error. A document that cannot be read is an error in ``problems`` naming its URL, the
    HTTP status and the server's own detail, or a warning for what the app can do without
    (sponsors, social links, session types); after the event itself fails nothing else is
    read. Raises only :class:`BuildCancelled`.
    """
    base = api_base(base_url)
    budget = fetcher.deadline(limits.api_budget_s, "reading the event from its API took "
                              f"longer than the {limits.api_budget_s:g}s allowed")
    docs: dict[str, Any] = {}
    for at, document in enumerate(DOCUMENTS):
        url = document_url(base, document)
        try:
            docs[document.name] = _read(fetcher, document, url, budget, limits)
        except _Unreadable as failure:
            message = f"cannot be read from {failure.url}: {failure.reason}"
            if document.required:
                hint = _hint(document, failure, base_url) if budget.remaining() > 0 else (
                    "the server is slow or stalled; try the build again later")
                problems.error(document.name, "", message, hint=hint)
            else:
                problems.warning(document.name, "", f"{message}; {document.lacks}")
            if document.name == "event":
                break
            if budget.remaining() <= 0:
                _report_unread(DOCUMENTS[at + 1:], budget, problems)
                break
    links = docs.pop("social-links", None)
    event = docs.get("event")
    if isinstance(event, dict) and isinstance(links, list):
        event["social-links"] = [{"name": link.get("name"), "link": link.get("link")}
                                 for link in links if isinstance(link, dict)]
    return docs
