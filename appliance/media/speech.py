"""Prompts spoken from text with espeak-ng, and the office hours said as a sentence.

Design rule 8: what the caller hears must match the configuration. A text prompt is rendered when
it is first played, through the same conversion as uploads (line format, telephone band, -19
LUFS), and cached on disk under a hash of the voice, the final text and the format. An
out-of-hours text may contain ``{hours}``: ``fill_hours`` replaces it with ``describe_hours`` at
play time, so when the schedule changes the text changes, its hash changes, and the next caller
hears a fresh rendering; nothing has to remember to invalidate anything.

Rendering runs espeak-ng and sox (about 0.2 s here, more on a Pi) on the thread that asks for
the sound, once per distinct text; the cache file is replaced atomically, so two threads rendering
the same text at once both end up with the same good file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.config.durable import atomic_write
from appliance.config.model import MINUTES_PER_DAY, WEEKDAYS, Interval, Schedule
from appliance.errors import ApplianceError
from appliance.media.audio_convert import AudioRejected, ToolMissing, convert_to_line, run_tool
from appliance.media.audio_library import TMP_PREFIX
from hardware.audio.sources import File, Say

if TYPE_CHECKING:
    from appliance.media.audio_library import AudioLibrary
    from hardware.audio.format import AudioFormat

VOICES = {"es": "es", "en": "en-gb"}
WORDS_PER_MINUTE = "150"
ESPEAK_TIMEOUT_S = 60
CACHE_VERSION = 1           # bump when the rendering pipeline changes: old files are not reused
TIME_RE = re.compile(r"\b([01]?\d|2[0-4]):([0-5]\d)\b")

DAY_NAMES = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
DAY_PLURALS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos"),
    "en": ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
}
WORDS = {
    "es": {"open": "Abrimos {}.", "closed": "Ahora mismo no tenemos horario de atención.",
           "every_day": "todos los días", "range": "de {} a {}", "one": "los {}",
           "two": "los {} y {}", "interval": "de {} a {}", "and": " y ", "last": ", y ",
           "midnight": "medianoche", "all_day": "las 24 horas"},
    "en": {"open": "We are open {}.", "closed": "We have no opening hours at the moment.",
           "every_day": "every day", "range": "{} to {}", "one": "on {}",
           "two": "on {} and {}", "interval": "from {} to {}", "and": " and ", "last": ", and ",
           "midnight": "midnight", "all_day": "24 hours a day"},
}


class SpeechError(ApplianceError):
    """A text prompt could not be spoken; the message says what to install or change."""

    status = 503


def _words(language: str) -> dict[str, str]:
    if language not in WORDS:
        raise ValueError(f"no words for language {language!r}; use one of {sorted(WORDS)}")
    return WORDS[language]


# -- the hours as a sentence -------------------------------------------------------------------


def _time(minutes: int, words: dict[str, str]) -> str:
    if minutes in (0, MINUTES_PER_DAY):
        return words["midnight"]
    return f"{minutes // 60}:{minutes % 60:02d}"


def _hours(intervals: tuple[Interval, ...], words: dict[str, str]) -> str:
    if intervals == (Interval(0, MINUTES_PER_DAY),):
        return words["all_day"]
    parts = [words["interval"].format(_time(iv.start, words), _time(iv.end, words))
             for iv in sorted(intervals, key=lambda iv: iv.start)]
    return ", ".join(parts[:-1]) + words["and"] + parts[-1] if len(parts) > 1 else parts[0]


def _days(days: list[int], language: str) -> str:
    words = WORDS[language]
    if len(days) == len(WEEKDAYS):
        return words["every_day"]
    if len(days) == 1:
        return words["one"].format(DAY_PLURALS[language][days[0]])
    if len(days) == 2:
        return words["two"].format(*(DAY_PLURALS[language][d] for d in days))
    return words["range"].format(DAY_NAMES[language][days[0]], DAY_NAMES[language][days[-1]])


def describe_hours(schedule: Schedule, language: str = "es") -> str:
    """The weekly hours as one sentence, consecutive days with the same hours said together.

    ``Abrimos de lunes a viernes de 9:00 a 14:00 y de 16:00 a 19:00, y los sábados de 10:00 a
    13:00.`` Holidays and special dates are not described: they change too often to be spoken
    in a standing message, and the out-of-hours message already plays on those days.
    """
    words = _words(language)
    groups: list[tuple[list[int], tuple[Interval, ...]]] = []
    for index, day in enumerate(WEEKDAYS):
        intervals = tuple(schedule.weekly.get(day, ()))
        if groups and groups[-1][1] == intervals:
            groups[-1][0].append(index)
        else:
            groups.append(([index], intervals))
    parts = [f"{_days(days, language)} {_hours(ivs, words)}" for days, ivs in groups if ivs]
    if not parts:
        return words["closed"]
    joined = ", ".join(parts[:-1]) + words["last"] + parts[-1] if len(parts) > 1 else parts[0]
    return words["open"].format(joined)


def fill_hours(text: str, schedule: Schedule, language: str = "es") -> str:
    """Put the current hours where an out-of-hours text says ``{hours}`` (other text untouched)."""
    if "{hours}" not in text:
        return text
    return text.replace("{hours}", describe_hours(schedule, language))


def spoken_text(text: str, language: str) -> str:
    """How times should be read aloud: espeak-ng says ``9:00`` as "nine zero zero".

    Spanish drops ``:00`` ("de nueve a dieciocho"); English reads the 12-hour clock ("9 AM").
    """
    def english(found: re.Match[str]) -> str:
        hour, minute = int(found.group(1)), int(found.group(2))
        if hour == 24 or (hour == 0 and minute == 0):
            return "midnight" if minute == 0 else found.group(0)
        if hour == 12 and minute == 0:
            return "12 noon"
        clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
        return f"{clock} {'AM' if hour < 12 else 'PM'}"

    if language == "en":
        return TIME_RE.sub(english, text)
    return TIME_RE.sub(lambda m: m.group(1) if m.group(2) == "00" else m.group(0), text)


# -- rendering -----------------------------------------------------------------------------------


class Speech:
    """Renders text to line-format PCM with espeak-ng, cached on disk."""

    def __init__(self, cache_dir: Path, fmt: AudioFormat, *, espeak: str = "espeak-ng",
                 sox: str = "sox") -> None:
        self.cache_dir = Path(cache_dir)
        self.fmt = fmt
        self.espeak = espeak
        self.sox = sox
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.cache_dir.glob(TMP_PREFIX + "*"):  # from an interrupted render
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def render(self, text: str, *, language: str = "es") -> bytes:
        """The PCM of ``text`` spoken in ``language`` ("es" or "en"), from the cache if there."""
        if language not in VOICES:
            raise SpeechError(f"No voice for language '{language}'; use one of: "
                              f"{', '.join(sorted(VOICES))}.")
        if not text or not text.strip():
            raise SpeechError("There is no text to speak; write the prompt's text.")
        voice, spoken = VOICES[language], spoken_text(text.strip(), language)
        key = json.dumps([CACHE_VERSION, voice, spoken, self.fmt.rate, self.fmt.channels])
        path = self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()}.pcm"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        pcm = self._synthesise(spoken, voice)
        atomic_write(path, pcm)
        return pcm

    def _synthesise(self, text: str, voice: str) -> bytes:
        if shutil.which(self.espeak) is None:
            raise SpeechError(f"{self.espeak} is not installed, so prompts written as text "
                              "cannot be spoken: install it (apt install espeak-ng) or upload "
                              "a recorded prompt instead.")
        with tempfile.TemporaryDirectory(prefix=TMP_PREFIX, dir=self.cache_dir) as tmp:
            work = Path(tmp)
            (work / "text.txt").write_text(text, encoding="utf-8")  # a file: no option injection
            try:
                said = run_tool([self.espeak, "-v", voice, "-s", WORDS_PER_MINUTE,
                                 "-f", str(work / "text.txt"), "-w", str(work / "speech.wav")],
                                ESPEAK_TIMEOUT_S)
                if said.returncode != 0:
                    raise SpeechError(f"espeak-ng failed ({said.stderr.strip()[:200]}).")
                convert_to_line(work / "speech.wav", work / "line.pcm", self.fmt,
                                sox=self.sox)
            except (AudioRejected, ToolMissing) as exc:
                raise SpeechError(f"The prompt could not be spoken: {exc.message}") from exc
            return (work / "line.pcm").read_bytes()

    def resolver(self, library: AudioLibrary, *,
                 language: str = "es") -> Callable[[Say | File], bytes]:
        """What the audio engine calls to turn a source into PCM: a ``Say`` is spoken in its
        own language or else the box's, a ``File`` is an upload from ``library``."""
        def resolve(source: Say | File) -> bytes:
            if isinstance(source, Say):
                return self.render(source.text, language=source.language or language)
            return library.pcm(source.audio_id)

        return resolve
