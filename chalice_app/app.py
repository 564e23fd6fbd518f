"""apkgen's HTTP API and WebSocket handlers: routes only; the use cases are in chalicelib.

HTTP (docs/contracts.md): POST /uploads, POST /builds, GET /builds/{id}, GET
/builds/{id}/logs, POST /builds/{id}/cancel, GET /builds/{id}/apk (a redirect to the APK),
/builds/{id}/qr.svg (its QR code) and /builds/{id}/preview/{path} (the app's web files, out of
the APK), and the web page (GET /, /b/{id}, /static/{name}).
WebSocket: ``$connect`` registers a viewer of ``?build=ID`` (unknown build → 404, the handshake
fails), ``$default`` answers ``{"action": "resume", "after": SEQ}`` (within the connection's
resume budget, else an error saying when to resume again), ``$disconnect`` forgets it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import (
    BadRequestError,
    Chalice,
    ChaliceViewError,
    ConflictError,
    NotFoundError,
    Response,
    WebsocketDisconnectedError,
    WebsocketEvent,
)

from apkgen_core import messages as wire
from chalicelib import context, preview, protocol, qr
from chalicelib.errors import (
    ClaimConflict,
    InvalidRequest,
    NotFound,
    StoreError,
    TooManyRequests,
)
from chalicelib.service import BuildService
from chalicelib.static import INDEX, content_type, page_html, read_static, stage_prefix
from chalicelib.validation import parse_json_body
from chalicelib.wsapi import ConfiguredWebsocketAPI

app = Chalice(app_name="apkgen")
app.experimental_feature_flags.update({"WEBSOCKETS"})
# API Gateway turns a base64 answer (the preview's PNG and JPEG) back into bytes only when the
# request's *first* Accept type is a binary media type, and browsers ask for images with
# "image/avif,…" (Chrome, Firefox) or "image/webp,…" (Safari) first.
app.api.binary_types.extend(["image/avif", "image/webp"])
# Before any @app.on_ws_* decorator: Chalice hands this object to each handler at registration.
app.websocket_api = ConfiguredWebsocketAPI(
    lambda: context.current().clients.apigatewaymanagementapi
)


def _service() -> BuildService:
    return context.current().service


T = TypeVar("T")


def _call(call: Callable[[], T]) -> T:
    """Run a use case; chalicelib's errors become Chalice's HTTP errors (the edge serializes)."""
    try:
        return call()
    except InvalidRequest as exc:
        raise BadRequestError(str(exc)) from exc
    except NotFound as exc:
        raise NotFoundError(str(exc)) from exc
    except ClaimConflict as exc:
        raise ConflictError(str(exc)) from exc
    except StoreError as exc:
        app.log.error("store error %s: %s", exc.code, exc)
        raise ChaliceViewError(f"storage is unavailable ({exc.code}); try again") from exc


def _answer(call: Callable[[], Any], status_code: int = 200) -> Response:
    """A use case's answer as JSON (errors as in :func:`_call`)."""
    body = _call(call)
    return Response(body=body, status_code=status_code,
                    headers={"Content-Type": "application/json", "Cache-Control": "no-store"})


# -- HTTP API ------------------------------------------------------------------------------------

@app.route("/uploads", methods=["POST"], cors=True)
def create_upload() -> Response:
    return _answer(lambda: _service().create_upload(), 201)


@app.route("/builds", methods=["POST"], cors=True,
           content_types=["application/json", "application/zip", "application/octet-stream"])
def create_build() -> Response:
    request = app.current_request
    assert request is not None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/zip", "application/octet-stream"):
        fields = dict(request.query_params or {})
        raw = request.raw_body
        body = raw.encode() if isinstance(raw, str) else raw
        return _answer(lambda: _service().create_build(fields, body), 201)
    return _answer(lambda: _service().create_build(parse_json_body(request.raw_body)), 201)


@app.route("/builds/{build_id}", methods=["GET"], cors=True)
def get_build(build_id: str) -> Response:
    return _answer(lambda: _service().get_status(build_id))


@app.route("/builds/{build_id}/logs", methods=["GET"], cors=True)
def get_logs(build_id: str) -> Response:
    request = app.current_request
    query: dict[str, str] = dict((request.query_params if request else None) or {})
    return _answer(lambda: _service().get_logs(build_id, query.get("after"), query.get("limit")))


@app.route("/builds/{build_id}/cancel", methods=["POST"], cors=True)
def cancel_build(build_id: str) -> Response:
    return _answer(lambda: _service().cancel(build_id))


@app.route("/builds/{build_id}/apk", methods=["GET"], cors=True)
def download_apk(build_id: str) -> Response:
    url = _call(lambda: _service().apk_url(build_id))
    return Response(body="", status_code=302,
                    headers={"Location": url, "Cache-Control": "no-store"})  # the URL expires


@app.route("/builds/{build_id}/qr.svg", methods=["GET"], cors=True)
def apk_qr_code(build_id: str) -> Response:
    svg = _call(lambda: _service().apk_qr_svg(build_id))
    return Response(body=svg, status_code=200,
                    headers={"Content-Type": qr.CONTENT_TYPE, "Cache-Control": qr.CACHE_CONTROL})


def _preview(build_id: str, *parts: str) -> Response:
    answer = _call(lambda: preview.PREVIEWS.file(_service(), build_id, parts))
    return Response(body=answer.body, status_code=200, headers=dict(answer.headers))


# Chalice has no greedy path parameter: one route per depth (index.html, images/x.png,
# images/speakers/x.jpg; preview.MAX_DEPTH).
@app.route("/builds/{build_id}/preview/{name}", methods=["GET"])
def preview_file(build_id: str, name: str) -> Response:
    return _preview(build_id, name)


@app.route("/builds/{build_id}/preview/{folder}/{name}", methods=["GET"])
def preview_file_in_folder(build_id: str, folder: str, name: str) -> Response:
    return _preview(build_id, folder, name)


@app.route("/builds/{build_id}/preview/{folder}/{sub}/{name}", methods=["GET"])
def preview_file_in_subfolder(build_id: str, folder: str, sub: str, name: str) -> Response:
    return _preview(build_id, folder, sub, name)


# -- The web page --------------------------------------------------------------------------------

def _file(name: str) -> Response:
    try:
        body, content_type = read_static(name)
    except NotFound as exc:
        raise NotFoundError(str(exc)) from exc
    text: str | bytes = body if not content_type.startswith(("text/", "application/json",
                                                             "image/svg")) else body.decode()
    return Response(body=text, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "no-cache"})


def _page() -> Response:
    request = app.current_request
    assert request is not None  # Chalice sets it for every route it calls
    prefix = stage_prefix(request.to_original_event())
    return Response(body=page_html(prefix).decode(), status_code=200,
                    headers={"Content-Type": content_type(INDEX), "Cache-Control": "no-cache"})


@app.route("/", methods=["GET"])
def index() -> Response:
    return _page()


@app.route("/b/{build_id}", methods=["GET"])
def build_page(build_id: str) -> Response:
    return _page()  # the page reads the id from its URL


@app.route("/static/{name}", methods=["GET"])
def static_file(name: str) -> Response:
    return _file(name)


# -- WebSocket -----------------------------------------------------------------------------------

def _send(connection_id: str, messages: list[str]) -> None:
    """Send in order; a viewer that went away is unregistered instead of failing the call."""
    try:
        for message in messages:
            app.websocket_api.send(connection_id, message)
    except WebsocketDisconnectedError:
        _service().disconnect(connection_id)


@app.on_ws_connect()
def websocket_connect(event: WebsocketEvent) -> Response | None:
    query = event.to_dict().get("queryStringParameters") or {}
    try:
        _service().connect(query.get("build"), event.connection_id)
    except InvalidRequest as exc:
        return Response(body={"message": str(exc)}, status_code=400)
    except NotFound as exc:
        return Response(body={"message": str(exc)}, status_code=404)
    except StoreError as exc:
        app.log.error("store error %s on $connect: %s", exc.code, exc)
        return Response(body={"message": "storage is unavailable; try again"}, status_code=503)
    return None  # Chalice answers 200: the handshake completes


@app.on_ws_message()
def websocket_message(event: WebsocketEvent) -> None:
    try:
        request = protocol.parse_client_message(event.to_dict().get("body"))
        messages = _service().resume(event.connection_id, request.after)
    except (InvalidRequest, NotFound) as exc:
        messages = [wire.encode(wire.error_message(str(exc)))]
    except TooManyRequests as exc:  # nothing was read: only the error is sent
        messages = [wire.encode(wire.error_message(str(exc), exc.retry_after_s))]
    except StoreError as exc:
        app.log.error("store error %s on resume: %s", exc.code, exc)
        messages = [wire.encode(wire.error_message(
            f"storage is unavailable ({exc.code}); send the resume again in a moment"))]
    _send(event.connection_id, messages)


@app.on_ws_disconnect()
def websocket_disconnect(event: WebsocketEvent) -> None:
    _service().disconnect(event.connection_id)
