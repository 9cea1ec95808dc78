"""Learning events, as blinker signals: areas below emit them, areas above (xapi, lti) subscribe.

Receivers run synchronously inside the emitter's transaction (they only add rows, e.g. outbox items),
so what they write is committed or rolled back with the event itself. Emit after the event's rows are
flushed; keyword arguments carry ids and objects already loaded, never text people wrote.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A learner opened a module, scene or case for the first time: ``user_id``, ``item`` (Module or ItemView).
item_opened = _signals.signal("item-opened")
#: A quiz attempt was recorded: ``user_id``, ``item``, ``attempt`` (QuizAttempt), ``completed`` (this
#: attempt completed the item for the first time).
quiz_attempted = _signals.signal("quiz-attempted")
#: A learner picked an option in a scene: ``user_id``, ``item``, ``choice`` (the option's id).
scene_chosen = _signals.signal("scene-chosen")
#: A 事例検討シート was saved (``shared`` None) or its sharing changed (``shared`` True/False):
#: ``user_id``, ``item``, ``sheet`` (never read its text).
sheet_saved = _signals.signal("sheet-saved")
sheet_shared = _signals.signal("sheet-shared")
#: A certificate was issued: ``certificate`` (Certificate), ``cohort``.
certificate_issued = _signals.signal("certificate-issued")


def emit(signal, **details) -> None:
    """Send ``signal`` to every receiver (sender None), inside the caller's transaction."""
    signal.send(None, **details)
