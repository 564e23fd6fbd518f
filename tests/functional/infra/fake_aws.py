"""A stand-in for the ``aws`` CLI (outside the project) that the deploy scripts call.

Each call is appended to ``$FAKE_AWS_STATE/calls.jsonl``; the stack's existence and outputs live
in ``$FAKE_AWS_STATE/stack.json`` (created by ``cloudformation deploy``, removed by
``delete-stack``). Only the commands deploy.sh, destroy.sh and keystore.sh use are answered;
any other exits 2 so a new call shows up as a failing test, not a silent success.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/api/"
OUTPUTS = {
    "EndpointURL": ENDPOINT,
    "WebsocketConnectEndpointURL": "wss://ws456.execute-api.us-east-1.amazonaws.com/api/",
    "BucketName": "apkgen-dev-files",
    "KeystoreSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:Keystore-x",
    "RunnerLogGroup": "/apkgen/dev/runner",
    "RunnerCluster": "apkgen-dev",
    "RunnerServiceName": "apkgen-dev-runner",
}


def main(argv: list[str]) -> int:
    state = Path(os.environ["FAKE_AWS_STATE"])
    with (state / "calls.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")
    stack = state / "stack.json"
    command = " ".join(argv[:2])

    def option(name: str) -> str:
        return argv[argv.index(name) + 1]

    if command == "sts get-caller-identity":
        print("123456789012")
    elif command == "cloudformation describe-stacks":
        if not stack.exists():
            print("Stack with id apkgen-dev does not exist", file=sys.stderr)
            return 255
        if "--query" in argv:
            match = re.search(r"OutputKey=='(\w+)'", option("--query"))
            outputs = json.loads(stack.read_text())
            print(outputs.get(match.group(1), "None") if match else "None")
    elif command == "cloudformation package":
        shutil.copy(option("--template-file"), option("--output-template-file"))
    elif command == "cloudformation deploy":
        stack.write_text(json.dumps(OUTPUTS))
    elif command == "cloudformation delete-stack":
        stack.unlink()
    elif command in ("cloudformation wait", "s3api head-bucket", "s3 rm",
                     "ecs update-service", "secretsmanager put-secret-value"):
        pass
    elif command == "secretsmanager describe-secret":
        print("None")
    else:
        print(f"fake aws: unexpected command {argv}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
