"""Step ``validate``, second half: the flaws of real exports that can be mended, mended.

Pure: checked documents in, repaired documents out (the input is left as it was), one warning
per repair naming the file, the JSON path, the value and what was done. What it mends in each
list file (``sessions``, ``speakers``, ``tracks``, ``microlocations``, ``sponsors``,
``session_types``):

- an item that is not an object: left out;
- a record that appears twice, byte for byte: one is kept;
- a record without a usable id: it gets a new one;
- two different records with the same id: both are kept, the second gets a new id
  (``78-2``), and every reference to that id is linked to the right record where the
  reference carries the record's name (a nested object, as sessions carry their speakers);
  otherwise to the first record, with a warning.

A dropped item is replaced by None, so every other item keeps its index: later warnings name
``sessions[31]`` as the upload numbers it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from build_runner.generate.fields import ident, lookup, text, value_of
from build_runner.generate.problems import Problems
from build_runner.generate.validate import LIST_FILES, json_type

# The field that names each kind of record, to tell records that share an id apart.
NAME_FIELD: dict[str, str] = {"sessions": "title"}

# Where records refer to each other: (file holding the reference, field, file referred to).
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("sessions", "speakers", "speakers"),
    ("sessions", "track", "tracks"),
    ("sessions", "room", "microlocations"),
    ("sessions", "session_type", "session_types"),
    ("speakers", "sessions", "sessions"),
    ("tracks", "sessions", "sessions"),
    ("microlocations", "sessions", "sessions"),
)


def same_name(a: Any, b: Any) -> bool:
    """Names match whatever their spacing and case: ``"James Bennett  "`` is ``james bennett``."""
    left, right = " ".join(text(a).split()).casefold(), " ".join(text(b).split()).casefold()
    return bool(left) and left == right


@dataclass(frozen=True)
class Holder:
    """One record that holds a shared id: its id now, its name, where it is."""

    id: str
    name: str
    where: str


@dataclass
class _Repairs:
    problems: Problems
    # file → original id → every record that had it, first one first.
    shared: dict[str, dict[str, list[Holder]]] = field(default_factory=dict)

    def items(self, file: str, items: list[Any]) -> list[Any]:
        """The file's items with drops (None), new ids and the shared ids recorded."""
        noun = LIST_FILES[file]
        name_field = NAME_FIELD.get(file, "name")
        out: list[Any] = []
        seen_bytes: dict[str, str] = {}
        holders: dict[str, list[Holder]] = {}
        taken = {i for item in items if isinstance(item, dict)
                 if (i := ident(value_of(item, "id"))) is not None}
        for index, item in enumerate(items):
            where = f"{file}[{index}]"
            if not isinstance(item, dict):
                self.problems.warning(file, where, f"is {json_type(item)}, not a {noun} object; "
                                      "it is left out", item,
                                      hint=f'each {noun} must look like {{"id": 1, ...}}')
                out.append(None)
                continue
            exact = json.dumps(item, sort_keys=True, ensure_ascii=False)
            if exact in seen_bytes:
                self.problems.warning(file, where, f"is the same record as {seen_bytes[exact]}, "
                                      "byte for byte; the copy is left out",
                                      value_of(item, name_field) or value_of(item, "id"),
                                      hint="remove the copy from the export")
                out.append(None)
                continue
            seen_bytes[exact] = where
            id_key, raw_id = lookup(item, "id")
            item_id = ident(raw_id)
            name = text(value_of(item, name_field))
            if item_id is None:
                new_id = _fresh_id(f"{file[:-1] if file.endswith('s') else file}", taken)
                self.problems.warning(file, f"{where}.{id_key}", f"the {noun} has no usable id; "
                                      f"it is given the id {new_id}", raw_id,
                                      hint=f"give every {noun} its own id")
                item = {**item, id_key: new_id}
            elif item_id in holders:
                first = holders[item_id][0]
                new_id = _fresh_id(item_id, taken)
                shown = f' ("{first.name}")' if first.name else ""
                self.problems.warning(file, f"{where}.{id_key}", f"is also the id of "
                                      f"{first.where}{shown}, a different {noun}; both are kept "
                                      f"and this one is given the id {new_id}", raw_id,
                                      hint=f"give every {noun} its own id")
                holders[item_id].append(Holder(new_id, name, where))
                item = {**item, id_key: new_id}
            else:
                holders[item_id] = [Holder(item_id, name, where)]
            out.append(item)
        self.shared[file] = {i: h for i, h in holders.items() if len(h) > 1}
        return out

    def relink(self, docs: dict[str, Any]) -> None:
        """Point every reference to a shared id at the record it names (in place in ``docs``)."""
        for holder_file, field_name, target in REFERENCES:
            shared = self.shared.get(target)
            items = docs.get(holder_file)
            if not shared or not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                key, value = lookup(item, field_name)
                where = f"{holder_file}[{index}].{key}"
                if isinstance(value, list):
                    fixed: Any = [self._ref(target, ref, f"{where}[{j}]", shared)
                                  for j, ref in enumerate(value)]
                else:
                    fixed = self._ref(target, value, where, shared)
                if fixed != value:
                    items[index] = {**item, key: fixed}

    def _ref(self, target: str, ref: Any, where: str, shared: dict[str, list[Holder]]) -> Any:
        nested = ref if isinstance(ref, dict) else None
        ref_id = ident(value_of(nested, "id")) if nested is not None else ident(ref)
        if ref_id is None or ref_id not in shared:
            return ref
        holders = shared[ref_id]
        name_field = NAME_FIELD.get(target, "name")
        if nested is not None:
            named = value_of(nested, name_field)
            for holder in holders:
                if same_name(holder.name, named):
                    if holder.id == ref_id:
                        return ref
                    return {**nested, lookup(nested, "id")[0]: holder.id}
        first = holders[0]
        noun = LIST_FILES[target]
        others = ", ".join(f'{h.where} ("{h.name}")' if h.name else h.where for h in holders)
        self.problems.warning(where.split("[", 1)[0], where,
                              f"refers to the id that {len(holders)} {noun}s share ({others}) "
                              f"without naming which; it is linked to the first, {first.where}",
                              ref_id, hint=f"give every {noun} its own id")
        return ref


def _fresh_id(base: str, taken: set[str]) -> str:
    """``78-2`` (or ``-3``, …): an id no record of the file uses yet; it is then taken."""
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    taken.add(f"{base}-{n}")
    return f"{base}-{n}"


def repair(docs: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The documents with duplicates, missing ids and shared ids mended (see the module)."""
    repaired = dict(docs)
    repairs = _Repairs(problems)
    for name in LIST_FILES:
        items = docs.get(name)
        if isinstance(items, list):
            repaired[name] = repairs.items(name, items)
    repairs.relink(repaired)
    return repaired
