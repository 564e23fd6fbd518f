"""What a boto3 client method is in AWS's terms: its service's operation and the IAM actions.

botocore's service models name the operations (``put_item`` is DynamoDB's ``PutItem``, which
needs ``dynamodb:PutItem``); this module adds what the models do not say:

* the methods boto3 adds to clients and Chalice's ``WebsocketAPI`` has (:data:`EXTRA_METHODS`:
  ``generate_presigned_post`` → ``s3:PutObject``, ``send`` → ``execute-api:ManageConnections``);
* operations that need more than their own action (:data:`ALSO_NEEDS`: ``HeadObject`` needs
  ``s3:GetObject``, and ``s3:ListBucket`` for a 404 instead of a 403);
* the service a receiver's name says (:data:`HINTS`: ``self._db`` → dynamodb).

Pure apart from reading botocore's bundled models (cached).
"""

from __future__ import annotations

import re
from functools import cache

import botocore.session
from botocore import xform_name

# The services apkgen's code calls.
SERVICES = ("s3", "sqs", "dynamodb", "ses", "apigatewaymanagementapi", "secretsmanager")
IAM_PREFIX = {"apigatewaymanagementapi": "execute-api"}
# Name fragments that say which client a receiver is.
HINTS: tuple[tuple[str, str], ...] = (
    (r"apigatewaymanagementapi|management|mgmt|apigw|websocket_api", "apigatewaymanagementapi"),
    (r"dynamodb|ddb|(^|_)db($|_)|dynamo", "dynamodb"),
    (r"secretsmanager|secrets", "secretsmanager"),
    (r"(^|_)s3($|_)", "s3"),
    (r"(^|_)sqs($|_)", "sqs"),
    (r"(^|_)ses($|_)", "ses"),
)
# Methods boto3 adds to clients, or Chalice's WebsocketAPI, with the actions they need.
EXTRA_METHODS: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "upload_file": ("s3:PutObject",),
        "upload_fileobj": ("s3:PutObject",),
        "download_file": ("s3:GetObject",),
        "download_fileobj": ("s3:GetObject",),
        "generate_presigned_post": ("s3:PutObject",),
    },
    "apigatewaymanagementapi": {
        "send": ("execute-api:ManageConnections",),
        "close": ("execute-api:ManageConnections",),
        "info": ("execute-api:ManageConnections",),
    },
}
# An operation needing more than its own action.
ALSO_NEEDS: dict[str, tuple[str, ...]] = {
    "s3:HeadObject": ("s3:GetObject", "s3:ListBucket"),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:ListObjectsV2": ("s3:ListBucket",),
}
# Client attributes and methods that are not calls of the service's API.
NOT_CALLS = {"get_waiter", "can_paginate", "close", "meta", "exceptions"}


@cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name for ``service`` (botocore's model)."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


def actions_for(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions one API operation needs."""
    if service == "apigatewaymanagementapi":
        return ("execute-api:ManageConnections",)
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    return ALSO_NEEDS.get(action, (action,))


def hinted_service(name: str) -> str | None:
    """The service a receiver's name says (``self._db`` → dynamodb), or None."""
    lowered = name.lower()
    for pattern, service in HINTS:
        if re.search(pattern, lowered):
            return service
    return None
