"""The static IAM check: synthetic sources prove it flags what a role lacks; one test runs it on
the repository against infra/template.yaml."""

from __future__ import annotations

from pathlib import Path

from infra.assemble import load_template
from infra.iam_check import check_repo, check_sources
from tests.unit.infra.sample_sources import HANDLER, STORE

REPO = Path(__file__).resolve().parents[3]




def test_flags_a_call_that_the_components_policy_does_not_allow():
    findings = check_sources("app", {"app.py": HANDLER}, {"lib.py": STORE},
                             ["dynamodb:GetItem", "dynamodb:Query"])
    assert [str(f) for f in findings] == [
        "app: lib.py:8 self._db.put_item(...): needs dynamodb:PutItem, not in the role's policy"]


def test_passes_when_the_policy_allows_the_call_also_through_a_wildcard():
    assert check_sources("app", {"app.py": HANDLER}, {"lib.py": STORE}, ["dynamodb:Put*"]) == []


def test_flags_a_call_whose_service_cannot_be_told_and_says_how_to_fix_it():
    # tag_resource is an operation of SQS, DynamoDB and Secrets Manager alike.
    findings = check_sources("runner", {"x.py": "def f(c):\n    c.tag_resource(ResourceArn='a')\n"},
                             {}, ["*"])
    assert len(findings) == 1
    assert "cannot tell which AWS client" in str(findings[0])
    assert "name the receiver after its service" in str(findings[0])


def test_a_presigned_url_without_a_literal_operation_is_flagged():
    findings = check_sources("app", {"x.py": "def f(s3, op):\n    s3.generate_presigned_url(op)\n"},
                             {}, ["s3:*"])
    assert "without a literal operation name" in str(findings[0])


def test_every_aws_call_in_the_repo_is_allowed_by_its_components_role():
    findings = check_repo(REPO, load_template())
    assert findings == [], "\n".join(map(str, findings))


def test_a_store_of_one_table_needs_the_action_on_that_table_not_just_somewhere():
    handler = '''
from lib import ItemStore
def handle(event, store: ItemStore):
    store.forget({"id": {"S": event["id"]}})
'''
    on = {"ItemsTable": ["dynamodb:PutItem"], "OtherTable": ["dynamodb:DeleteItem"]}
    findings = check_sources("app", {"app.py": handler}, {"lib.py": STORE},
                             ["dynamodb:PutItem", "dynamodb:DeleteItem"],
                             on=on, module_resources={"lib.py": "ItemsTable"})
    assert [f.missing for f in findings] == [("dynamodb:DeleteItem on ItemsTable",)]
    on["ItemsTable"].append("dynamodb:Delete*")
    assert check_sources("app", {"app.py": handler}, {"lib.py": STORE},
                         ["dynamodb:PutItem", "dynamodb:DeleteItem"],
                         on=on, module_resources={"lib.py": "ItemsTable"}) == []
