"""The local stack's one exception.

::

    StackError    a part could not start (or start again): which one, why, its last output
"""

from __future__ import annotations


class StackError(Exception):
    """The local stack could not start: which part, why, and the end of its output."""
