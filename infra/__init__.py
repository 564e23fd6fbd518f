"""apkgen's cloud deployment: the template, the stage settings and the checks that run offline.

Modules: :mod:`.stage` (a stage of ``chalice_app/.chalice/config.json`` as template
parameters), :mod:`.assemble` (``chalice package`` merged with ``infra/template.yaml``),
:mod:`.moto_compat` (what moto's CloudFormation cannot create, removed and said why) and
:mod:`.iam_check` (every boto3 call the code makes is allowed by its component's IAM policy),
which uses :mod:`.call_graph` (the functions a component reaches), :mod:`.aws_calls` (the boto3
calls in them), :mod:`.aws_operations` (the IAM actions a call needs) and :mod:`.iam_policy`
(what a role of the template allows).

Errors::

    InfraError            a stage, template or packaging step is wrong; the message says the fix
"""

from __future__ import annotations


class InfraError(Exception):
    """Root of every error raised by :mod:`infra` on purpose; the message says how to fix it."""
