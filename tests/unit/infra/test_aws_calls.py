"""find_calls: the boto3 calls a component makes, in the library functions it reaches, with the
service of each and the IAM actions it needs; synthetic sources, nothing is imported or run."""

from __future__ import annotations

from infra.aws_calls import find_calls
from tests.unit.infra.sample_sources import HANDLER, STORE


def calls(entry: dict[str, str], library: dict[str, str] | None = None) -> list[tuple]:
    return [(c.service, c.actions) for c in find_calls(entry, library or {})]


def test_library_functions_the_component_never_calls_do_not_count():
    # forget() (DeleteItem) is not reachable from the handler.
    assert calls({"app.py": HANDLER}, {"lib.py": STORE}) == [("dynamodb", ("dynamodb:PutItem",))]


def test_a_list_extend_does_not_reach_a_project_method_named_extend():
    lib = '''
class JobQueue:
    def __init__(self, sqs_client):
        self._sqs = sqs_client
    def extend(self, handle):
        self._sqs.change_message_visibility(ReceiptHandle=handle, VisibilityTimeout=60)
'''
    assert calls({"a.py": "def f(xs):\n    xs.extend([1])\n"}, {"lib.py": lib}) == []
    assert calls({"a.py": "def f(self):\n    self._jobs.extend('h')\n"}, {"lib.py": lib}) == [
        ("sqs", ("sqs:ChangeMessageVisibility",))]


def test_a_receiver_named_like_the_class_reaches_its_builtin_named_method():
    lib = """
class LogStore:
    def __init__(self, dynamodb_client):
        self._db = dynamodb_client
    def append(self, build_id, lines):
        self._db.put_item(TableName="t", Item={})
"""
    entry = {"sink.py": "def flush(self, lines):\n    self._hub.log_store.append('b', lines)\n"}
    assert calls(entry, {"lib.py": lib}) == [("dynamodb", ("dynamodb:PutItem",))]
    assert calls({"x.py": "def f(lines):\n    lines.append(1)\n"}, {"lib.py": lib}) == []


def test_knows_the_service_of_a_client_built_directly_or_returned_by_a_factory():
    source = '''
import boto3
def management_client(url):
    return boto3.client("apigatewaymanagementapi", endpoint_url=url)
class Poster:
    def __init__(self, url):
        self.conn = management_client(url)
        self.queue = boto3.client("sqs")
    def post(self, cid, data):
        self.conn.post_to_connection(ConnectionId=cid, Data=data)
        self.queue.delete_message(QueueUrl="u", ReceiptHandle="r")
'''
    assert calls({"poster.py": source}) == [
        ("apigatewaymanagementapi", ("execute-api:ManageConnections",)),
        ("sqs", ("sqs:DeleteMessage",))]


def test_maps_presigning_and_transfers_to_the_actions_s3_checks():
    source = '''
def f(s3):
    s3.generate_presigned_post(Bucket="b", Key="k")
    s3.generate_presigned_url("get_object", Params={})
    s3.upload_file("p", "b", "k")
    s3.head_object(Bucket="b", Key="k")
'''
    assert calls({"u.py": source}) == [
        ("s3", ("s3:PutObject",)), ("s3", ("s3:GetObject",)), ("s3", ("s3:PutObject",)),
        ("s3", ("s3:GetObject", "s3:ListBucket"))]


def test_chalices_websocket_send_needs_manage_connections():
    assert calls({"app.py": "def f(app):\n    app.websocket_api.send('c', 'm')\n"}) == [
        ("apigatewaymanagementapi", ("execute-api:ManageConnections",))]


def test_an_unnamed_receiver_is_resolved_by_an_operation_only_one_service_has():
    assert calls({"x.py": "def f(c):\n    c.send_message(QueueUrl='u', MessageBody='b')\n"}) == [
        ("sqs", ("sqs:SendMessage",))]


def test_project_methods_named_like_an_operation_are_not_aws_calls():
    source = "class Log:\n    def query(self):\n        pass\ndef f(log):\n    log.query()\n"
    assert calls({"x.py": source}) == []


def test_a_path_exists_does_not_reach_a_store_method_named_exists():
    lib = """
class UploadStore:
    def __init__(self, s3_client):
        self._s3 = s3_client
    def exists(self, key):
        self._s3.head_object(Bucket="b", Key=key)
"""
    assert calls({"x.py": "def f(path):\n    path.exists()\n"}, {"lib.py": lib}) == []
    assert calls({"x.py": "def f(s):\n    s._uploads.exists('k')\n"}, {"lib.py": lib}) == [
        ("s3", ("s3:GetObject", "s3:ListBucket"))]


def test_self_calls_in_a_class_that_defines_the_method_reach_only_that_method():
    library = STORE + '''

class Registry:
    def add(self, item):
        self._db.put_item(TableName="t", Item=item)
'''
    entry = '''
class Tally:
    def add(self, n):
        self.total += n

    def count(self, n):
        self.add(n)
'''
    assert calls({"runner.py": entry}, {"lib.py": library}) == []
    inherited = entry.replace("    def add(self, n):\n        self.total += n\n\n", "")
    assert calls({"runner.py": inherited}, {"lib.py": library}) == [
        ("dynamodb", ("dynamodb:PutItem",))
    ]
