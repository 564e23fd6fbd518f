"""Which functions a component reaches by name: its own modules whole, then the library
functions they name, transitively; builtin-named methods and ``self`` calls reach less."""

from __future__ import annotations

import ast

from infra.call_graph import ParsedModule, may_call, reachable, related

LIBRARY = '''
def load(key):
    return decode(key)

def decode(key):
    return key

def unused():
    pass
'''


def reached(entry: dict[str, str], library: dict[str, str]) -> set[tuple[str, str]]:
    modules = [ParsedModule(p, s) for p, s in {**library, **entry}.items()]
    return {(m.path, node.name if isinstance(node, ast.FunctionDef) else "<module>")
            for m, node in reachable(modules, entry)}


def test_reaches_the_entry_module_and_the_library_functions_it_names_transitively():
    entry = {"app.py": "def handle(key):\n    return load(key)\n"}
    assert reached(entry, {"lib.py": LIBRARY}) == {
        ("app.py", "<module>"), ("lib.py", "load"), ("lib.py", "decode")}


def test_a_function_passed_by_reference_is_reached():
    entry = {"app.py": "def handle(keys):\n    return map(decode, keys)\n"}
    assert ("lib.py", "decode") in reached(entry, {"lib.py": LIBRARY})


def test_a_builtin_named_method_is_reached_only_through_a_receiver_named_like_its_class():
    assert not may_call("xs", "extend", "JobQueue", set())
    assert may_call("_jobs", "extend", "JobQueue", set())
    assert may_call("xs", "save", "ItemStore", set())


def test_a_self_call_in_a_class_that_defines_the_method_reaches_only_that_class():
    defines = {("Tally", "add"), ("Registry", "add")}
    assert may_call("self:Tally", "add", "Tally", defines)
    assert not may_call("self:Tally", "add", "Registry", defines)
    assert may_call("self:Counter", "add", "Registry", defines)


def test_a_receiver_is_related_to_a_class_whose_name_holds_its_stem():
    assert related("_uploads", "UploadStore")
    assert related("log_store", "LogStore")
    assert not related("path", "UploadStore")
    assert related(None, "UploadStore") and related("self", "UploadStore")
