"""The real Open Event exports in ../shared/samples/open-event, and what each one publishes.

:func:`published` counts an export's public sessions and speakers by the rule the organizers'
side states (issue #13), written here from that rule and the export's own JSON, not from the
generator's code: a session is public when its ``state`` is ``accepted`` or ``confirmed`` (every
session when the export has no states), it is not deleted and it has a start time; a record that
appears twice byte for byte counts once; a speaker is public when a public session names them
(by id, and by name where the session gives one) or their own ``sessions`` list names one.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).parents[1] / ".." / "shared" / "samples" / "open-event"
SAMPLE_ZIPS = sorted(SAMPLES_DIR.glob("*.zip"))


def read_export(zip_path: Path) -> dict[str, Any]:
    """The export's JSON files by name (``sessions``), wherever the zip keeps them."""
    docs: dict[str, Any] = {}
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            base = name.rsplit("/", 1)[-1].removesuffix(".json")
            if "__MACOSX" in name or "/images/" in f"/{name}" or not base:
                continue
            try:
                docs[base] = json.loads(archive.read(name))
            except ValueError:
                continue
    return docs


def _first(obj: dict[str, Any], *keys: str) -> Any:
    return next((obj[k] for k in keys if obj.get(k) not in (None, "")), None)


def _name(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _unique(items: list[Any]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        exact = json.dumps(item, sort_keys=True)
        if isinstance(item, dict) and exact not in seen:
            seen.add(exact)
            out.append(item)
    return out


@dataclass(frozen=True)
class Published:
    sessions: int
    speakers: int


def published(zip_path: Path) -> Published:
    docs = read_export(zip_path)
    sessions = _unique(docs.get("sessions") or [])
    speakers = _unique(docs.get("speakers") or []) if isinstance(docs.get("speakers"), list) else []
    with_states = any(s.get("state") for s in sessions)
    public = [s for s in sessions
              if (not with_states or str(s.get("state")).lower() in ("accepted", "confirmed"))
              and _first(s, "starts-at", "start_time") and not s.get("deleted-at")]
    public_ids = {str(s.get("id")) for s in public}
    names: dict[str, list[str]] = {}
    for speaker in speakers:
        names.setdefault(str(speaker.get("id")), []).append(_name(speaker.get("name")))

    def who(ref_id: str, name: str) -> tuple[str, str]:
        """A speaker by id; by name too where records share the id (else the first)."""
        known = names.get(ref_id, [])
        if len(known) > 1:
            return ref_id, name if name in known else known[0]
        return ref_id, known[0] if known else name

    speaking: set[tuple[str, str]] = set()
    for session in public:
        for ref in session.get("speakers") or []:
            if isinstance(ref, dict):
                speaking.add(who(str(ref.get("id")), _name(ref.get("name"))))
            else:
                speaking.add(who(str(ref), ""))
    for speaker in speakers:
        listed = {str(r.get("id") if isinstance(r, dict) else r)
                  for r in speaker.get("sessions") or []}
        if listed & public_ids:
            speaking.add(who(str(speaker.get("id")), _name(speaker.get("name"))))
    return Published(sessions=len(public), speakers=len({k for k in speaking if k[1]}))
