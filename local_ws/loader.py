"""Loads a Chalice app from ``path/to/app.py:attr`` (or ``module.name:attr``)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from local_ws.errors import AppLoadError


def load_app(spec: str) -> Any:
    """Import the app named by ``spec`` (``chalice_app/app.py:app``).

    A file path puts its directory first on ``sys.path`` — as ``chalice local`` runs from the
    project directory — so the app's ``chalicelib`` imports. Raises :class:`AppLoadError`.
    """
    target, _, attr = spec.partition(":")
    attr = attr or "app"
    if target.endswith(".py"):
        path = Path(target).resolve()
        if not path.is_file():
            raise AppLoadError(f"--app {spec!r}: no file {path}; pass path/to/app.py:app")
        sys.path.insert(0, str(path.parent))
        module_spec = importlib.util.spec_from_file_location("app", path)
        if module_spec is None or module_spec.loader is None:
            raise AppLoadError(f"--app {spec!r}: {path} cannot be imported as a module")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules["app"] = module
        module_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise AppLoadError(f"--app {spec!r}: cannot import {target!r}: {exc}") from exc
    app = getattr(module, attr, None)
    if app is None or not hasattr(app, "websocket_handlers"):
        raise AppLoadError(
            f"--app {spec!r}: {target} has no Chalice app named {attr!r}; "
            "pass FILE.py:NAME where NAME = Chalice(app_name=...)"
        )
    return app
