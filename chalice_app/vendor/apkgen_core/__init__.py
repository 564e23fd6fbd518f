"""apkgen's core: what the Lambda handlers (``chalicelib``) and the runner (``build_runner``)
both use, and nothing either of them owns.

It imports only the standard library: no boto3, no sockets, no threads. It lives under
``chalice_app/vendor/`` because Chalice deploys ``app.py``, ``chalicelib/`` and the contents of
``vendor/``, so the Lambda package holds it at its root (``import apkgen_core``); the runner and
the tests import it from the same place (``pyproject.toml`` maps it). See docs/architecture.md.

- :mod:`.settings`: the one settings object, read once from the environment.
- :mod:`.package_names`: the rule for an Android package name.
"""
