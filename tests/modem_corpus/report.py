"""Counts of the corpus for the record: ``python -m tests.modem_corpus.report``.

Every vector the driver reads is checked by test_corpus.py (so, with the suite green, checked
means passed); answers to commands the driver never sends are kept for reference only.
"""

from __future__ import annotations

import json
from collections import Counter

from . import corpus
from .test_corpus import ANSWERS, STRAY


def category(vector: corpus.Vector) -> str:
    if vector.id in corpus.UNSUPPORTED:
        return "unsupported"
    if vector.area == "answer" and corpus.driver_command(vector) is None \
            and not corpus.final_only(vector):
        return "not sent by the driver"
    if vector.area == "transcript" and "synthetic" in vector["model"]:
        return "synthetic, not replayed"
    return "checked"


def main() -> None:
    counts: Counter[tuple[str, str, str]] = Counter()
    for vector in corpus.load():
        counts[(vector.source, vector.area, category(vector))] += 1
    for key, count in sorted(counts.items()):
        print(f"{count:5d}  {' / '.join(key)}")
    print(f"{sum(counts.values()):5d}  vectors in all")
    slipped = sum(len(STRAY) * (len(v["response"]) + (v.source in corpus.FINALS_STRIPPED))
                  for v in ANSWERS if v.id not in corpus.UNSUPPORTED)
    print(f"{slipped:5d}  answers re-read with an unsolicited line slipped inside")
    for source in sorted({v.source for v in corpus.load()}):
        skipped = json.loads((corpus.DATA / f"{source}.json").read_text()).get("skipped", [])
        print(f"{len(skipped):5d}  seen but not taken from {source} (see its 'skipped')")


if __name__ == "__main__":
    main()
