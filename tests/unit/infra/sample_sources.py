"""Synthetic component sources shared by the IAM check's tests: a store class whose methods
call DynamoDB, and a handler that reaches one of them by name."""

from __future__ import annotations

STORE = '''
class ItemStore:
    def __init__(self, dynamodb_client, table):
        self._db = dynamodb_client
        self._table = table

    def save(self, item):
        self._db.put_item(TableName=self._table, Item=item)

    def forget(self, key):
        self._db.delete_item(TableName=self._table, Key=key)
'''

HANDLER = '''
from lib import ItemStore
def handle(event, store: ItemStore):
    store.save({"id": {"S": event["id"]}})
'''
