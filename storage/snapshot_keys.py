"""A round's question snapshot, named by a key: the hash of its canonical JSON.

Rounds built from the same questions and targets carry the same key, so a reader that
needs the questions of thousands of rounds (the summary) reads and parses one JSON text
per distinct key instead of one per round. The snapshot itself stays on each round
(`checkin_rounds.questions`): every other reader (the check-in, charts, export and
erasure) reads it as before, and a later change of the org file never touches a past
round's snapshot or key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import event, inspect

#: Hex characters of the key: 128 bits of BLAKE2b, no collision in any real history.
KEY_LENGTH = 32


def snapshot_key(questions: Any) -> str:
    """The key of a question snapshot (a list of question dicts, or its JSON text).

    Canonical JSON (sorted keys, no spaces, unescaped Unicode): two snapshots with the
    same content get the same key however they were written.
    """
    if isinstance(questions, str | bytes):
        questions = json.loads(questions)
    text = json.dumps(questions, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_LENGTH // 2).hexdigest()


def default_key(context: Any) -> str:
    """Column default: the key of the row's `questions`, for ORM and Core inserts alike
    (storage/round_batch.py inserts rounds in bulk without the ORM)."""
    return snapshot_key(context.get_current_parameters()["questions"])


def track_updates(model: type) -> None:
    """Keep the key in step when a round's snapshot is replaced through the ORM."""

    @event.listens_for(model, "before_update")
    def _rekey(_mapper: Any, _connection: Any, target: Any) -> None:
        state = inspect(target)
        # An attribute never set since it was loaded has no entry in committed_state
        # (nor then any history): most updates (an answer added to the round) stop
        # there, without building the state's `attrs`, an object per column.
        if ("questions" in state.committed_state
                and state.attrs.questions.history.has_changes()):
            target.snapshot_key = snapshot_key(target.questions)
