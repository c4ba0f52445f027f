"""Hypothesis strategies for hostile JSON aimed at the configuration's readers.

Documents draw on every field name the parsers read, so arbitrary values reach the nested
readers (targets, intervals, special days...) instead of being ignored as unknown keys.
"""

from __future__ import annotations

from hypothesis import strategies as st

FIELDS = ("id", "name", "timezone", "weekly", "closed_dates", "special", "closed_action",
          "holidays", "members", "overflow", "strategy", "ring_timeout_s", "max_wait_s",
          "wrap_up_s", "max_queue", "autopause_after", "hold_audio", "announce",
          "announce_every_s", "station", "presence", "entry", "number", "kind", "greeting",
          "prompt", "options", "fallback", "retries", "timeout_s", "operator_team", "schedule",
          "team", "menu", "action", "text", "audio", "country", "subdivision", "date",
          "intervals", "sip", "sim_pin")
KEYS = st.sampled_from([*FIELDS, "1", "2", "0", "*", "#", "mon", "sun", "x"])
LEAVES = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) \
    | st.text(max_size=12) | st.sampled_from(["sales", "main", "09:00", "18:00", "2026-12-24",
                                              "Europe/Madrid", "message", "team", "ES"])
JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=5), max_leaves=25)
