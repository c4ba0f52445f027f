"""The owner's audio library: uploaded hold music and recorded prompts, converted once.

Design rule 5: no music ships with the product, so everything a caller hears besides tones and
spoken text is uploaded by the owner. An upload is checked by *content* (its first bytes, never
the file name), by size while it streams in (a 50 MB body is never held in memory), and by length;
then it is converted once to the line format by ``audio_convert`` (sox), so nothing is decoded or
resampled during a call. The converted PCM and a WAV copy for preview live in ``root``;
metadata lives in ``root/index.json``, replaced atomically.

Conversion takes a second or more on a Pi (several sox runs), so ``add`` runs on the web
request thread that received the upload, never on the core thread; the library's one lock is held
only for the short bookkeeping at the end, so listing and playing are not blocked by a conversion.

Design rule 8: an upload can be linked to a schedule whose hours it mentions; when that schedule's
weekly hours change (``follow_schedules``) it is flagged stale until the owner reviews it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import threading
import unicodedata
import wave
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from appliance.config.durable import TMP_PREFIX as STORAGE_TMP_PREFIX
from appliance.config.durable import atomic_write
from appliance.errors import ApplianceError, NotFound, Text, ValidationError
from appliance.media.audio_convert import (
    SOX_TYPES,
    AudioRejected,
    Levels,
    clock_time,
    convert_to_line,
    looks_like,
    mp3_declared_seconds,
    opus_declared_seconds,
    run_tool,
    span,
)

if TYPE_CHECKING:
    from hardware.audio.format import AudioFormat

log = logging.getLogger(__name__)

MIB = 1024 * 1024
CHUNK = 64 * 1024
INDEX = "index.json"
TMP_PREFIX = STORAGE_TMP_PREFIX   # one prefix, so every start-up sweep finds them
OGG_CODECS = {b"\x01vorbis": "vorbis", b"OpusHead": "opus", b"\x7fFLAC": "flac",
              b"Speex   ": "speex", b"\x80theora": "theora"}
PROBE_TIMEOUT_S = 30
OTHER_MEDIA = frozenset({"an MP4/M4A file", "a Matroska/WebM file", "an AVI video",
                         "an AAC file"})
AUDIO_FILES = {"WAV": Text("a WAV file"), "MP3": Text("an MP3 file"), "OGG": Text("an OGG file"),
               "FLAC": Text("a FLAC file")}


@dataclass(frozen=True)
class AudioItem:
    id: str
    name: str
    original_filename: str
    seconds: float
    uploaded: str               # ISO 8601, UTC
    sha256: str                 # of the converted PCM: what callers actually hear
    loudness_lufs: float | None
    peak_dbfs: float | None     # sample peak of the converted PCM
    stale: bool = False         # mentions hours that have changed since it was uploaded
    linked_schedule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def slug(name: str) -> str:
    """A url-safe id stem from a name: ``Música de espera`` → ``musica-de-espera``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:30].strip("-") or "audio"


# -- the library --------------------------------------------------------------------------------


class AudioLibrary:
    """Uploaded audio in the line format. All methods are thread-safe (one lock)."""

    def __init__(self, root: Path, fmt: AudioFormat, *, max_bytes: int = 10 * MIB,
                 max_seconds: float = 600.0, sox: str = "sox", opusdec: str = "opusdec",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.root = Path(root)
        self.fmt = fmt
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.sox = sox
        self.opusdec = opusdec
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._followed: set[int] = set()
        self.root.mkdir(parents=True, exist_ok=True)
        self._items = self._load()
        self._clean()

    # -- reading ------------------------------------------------------------------------------

    def list(self) -> list[AudioItem]:
        with self._lock:
            return list(self._items.values())

    def get(self, audio_id: str) -> AudioItem:
        with self._lock:
            item = self._items.get(audio_id)
        if item is None:
            raise NotFound(f"No uploaded audio with id '{audio_id}'.")
        return item

    def pcm(self, audio_id: str) -> bytes:
        """The converted line-format PCM (what the audio engine plays)."""
        self.get(audio_id)
        try:
            return (self.root / f"{audio_id}.pcm").read_bytes()
        except FileNotFoundError:
            raise NotFound(f"The converted sound of '{audio_id}' is missing from the disk; "
                           "upload the file again.") from None

    def wav_path(self, audio_id: str) -> Path:
        """A WAV of exactly what callers hear, for preview and download."""
        self.get(audio_id)
        return self.root / f"{audio_id}.wav"

    # -- changing -----------------------------------------------------------------------------

    def add(self, name: str, filename: str, stream: BinaryIO, *,
            linked_schedule: str | None = None) -> AudioItem:
        """Check, convert and store one upload; raises ``AudioRejected`` saying why not."""
        filename = re.split(r"[/\\]", filename or "")[-1][:200]
        name = self._check_name(name, filename)
        token = secrets.token_hex(8)
        upload = self.root / f"{TMP_PREFIX}{token}.upload"
        pcm = self.root / f"{TMP_PREFIX}{token}.pcm"
        try:
            self._receive(stream, upload)
            kind, declared = self._probe(upload)
            levels = convert_to_line(upload, pcm, self.fmt, kind=kind, sox=self.sox,
                                     opusdec=self.opusdec, max_seconds=self.max_seconds,
                                     declared=declared)
            seconds = self.fmt.seconds(pcm.stat().st_size)
            return self._commit(name, filename, pcm, seconds, levels, linked_schedule)
        finally:
            upload.unlink(missing_ok=True)
            pcm.unlink(missing_ok=True)

    def delete(self, audio_id: str) -> None:
        """Forget the item, then remove its files (a crash in between leaves only orphans,
        which the next start removes)."""
        with self._lock:
            if audio_id not in self._items:
                raise NotFound(f"No uploaded audio with id '{audio_id}'.")
            self._store({k: v for k, v in self._items.items() if k != audio_id})
            for ext in ("pcm", "wav"):
                (self.root / f"{audio_id}.{ext}").unlink(missing_ok=True)

    def rename(self, audio_id: str, name: str) -> AudioItem:
        """A new name for the owner's lists; the id (which the configuration uses) stays."""
        name = self._check_name(name, "")
        with self._lock:
            item = self._items.get(audio_id)
            if item is None:
                raise NotFound(f"No uploaded audio with id '{audio_id}'.")
            renamed = replace(item, name=name)
            self._store({**self._items, audio_id: renamed})
            return renamed

    def mark_stale_for_schedule(self, schedule_id: str) -> list[str]:
        """Flag the uploads that mention this schedule's hours; returns the newly flagged ids."""
        with self._lock:
            flagged = [i.id for i in self._items.values()
                       if i.linked_schedule == schedule_id and not i.stale]
            if flagged:
                self._store({k: replace(v, stale=True) if k in flagged else v
                             for k, v in self._items.items()})
        if flagged:
            log.info("hours of schedule %s changed: audio %s flagged for review",
                     schedule_id, ", ".join(flagged))
        return flagged

    def clear_stale(self, audio_id: str) -> None:
        """The owner listened again and the recording still matches the hours."""
        with self._lock:
            item = self._items.get(audio_id)
            if item is None:
                raise NotFound(f"No uploaded audio with id '{audio_id}'.")
            if item.stale:
                self._store({**self._items, audio_id: replace(item, stale=False)})

    def follow_schedules(self, store: Any) -> None:
        """Flag linked uploads whenever a schedule's weekly hours change in ``store``.

        Store listeners run on the writing thread after the change is saved; comparing the weekly
        hours is cheap, and a failure here is logged rather than failing the owner's edit.
        """
        if id(store) in self._followed:
            return
        self._followed.add(id(store))
        seen = _weekly_hours(store.config())

        def changed(config: Any) -> None:
            nonlocal seen
            now = _weekly_hours(config)
            try:
                for schedule_id, hours in seen.items():
                    if now.get(schedule_id) != hours:
                        self.mark_stale_for_schedule(schedule_id)
            except Exception:
                log.exception("could not flag audio after a schedule change")
            seen = now

        store.subscribe(changed)

    # -- the checks of an upload ----------------------------------------------------------------

    @staticmethod
    def _check_name(name: str, filename: str) -> str:
        name = (name or "").strip() or Path(filename).stem.strip() or "Audio"
        if len(name) > 100:
            raise ValidationError({"name": "At most 100 characters."})
        return name

    def _receive(self, stream: BinaryIO, dest: Path) -> None:
        """Copy in chunks, stopping as soon as the limit is passed (never all in memory)."""
        total = 0
        with open(dest, "wb") as out:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > self.max_bytes:
                    raise AudioRejected(Text("Over %(mb)g MB: upload a shorter or more "
                                             "compressed file (MP3 or OGG).",
                                             mb=self.max_bytes / MIB))
                out.write(chunk)
        if total == 0:
            raise AudioRejected(Text("Empty: the file has no content; choose it again."))

    def _probe(self, path: Path) -> tuple[str, float | None]:
        """Accept WAV, MP3, OGG (Vorbis/Opus) or FLAC by content: the kind and declared length.

        The kind comes from the first bytes (never the file name); anything else is refused
        here without any tool having opened it.
        """
        with open(path, "rb") as f:
            head = f.read(4096)
        kind = looks_like(head)
        if kind == "OGG":
            kind = self._ogg_kind(head)
        if kind not in SOX_TYPES and kind != "OPUS":
            raise AudioRejected(self._not_audio(path))
        declared = self._declared(path, kind, head)
        if declared is not None and declared > self.max_seconds:
            raise AudioRejected(Text("Longer than %(limit)s (is %(length)s): trim it and upload "
                                     "it again.", limit=span(self.max_seconds),
                                     length=clock_time(declared)))
        return kind, declared

    @staticmethod
    def _ogg_kind(head: bytes) -> str:
        """"OGG" (Vorbis, read by sox) or "OPUS" (opusdec); other codecs are refused."""
        packet = head[27 + head[26]:] if len(head) > 27 else b""
        codec = next((name for magic, name in OGG_CODECS.items() if packet.startswith(magic)),
                     "unknown")
        if codec not in ("vorbis", "opus"):
            raise AudioRejected(Text("Not accepted: OGG with %(codec)s sound; use Vorbis or "
                                     "Opus, or upload MP3.", codec=codec))
        return "OGG" if codec == "vorbis" else "OPUS"

    def _declared(self, path: Path, kind: str, head: bytes) -> float | None:
        """The length the file's header claims (to refuse long or truncated files early).

        sox reads WAV/FLAC/Vorbis headers (and fails on a damaged one); for MP3 it would count
        the frames actually present, so the encoder's Xing/Info frame count is read instead,
        as ffprobe did; Opus has its length in the last Ogg page.
        """
        if kind == "MP3":
            return mp3_declared_seconds(head)
        if kind == "OPUS":
            return opus_declared_seconds(path, head)
        result = run_tool([self.sox, "--i", "-D", str(path)], PROBE_TIMEOUT_S)
        try:
            declared = float(result.stdout)
        except ValueError:
            raise AudioRejected(self._not_audio(path)) from None
        return declared if result.returncode == 0 and declared > 0 else None

    @staticmethod
    def _not_audio(path: Path) -> str:
        with open(path, "rb") as f:
            what = looks_like(f.read(512))
        if what in AUDIO_FILES:
            return Text("Damaged: it starts like %(kind)s but no sound could be read from it; "
                        "export it again.", kind=AUDIO_FILES[what])
        if what in OTHER_MEDIA:
            return Text("Not an accepted format (looks like %(kind)s): upload a WAV, MP3, OGG "
                        "(Vorbis or Opus) or FLAC file.", kind=what)
        return Text("Not an audio file (looks like %(kind)s): upload a WAV, MP3, OGG (Vorbis "
                    "or Opus) or FLAC file.", kind=what)

    # -- storing --------------------------------------------------------------------------------

    def _commit(self, name: str, filename: str, pcm: Path, seconds: float, levels: Levels,
                linked_schedule: str | None) -> AudioItem:
        digest = hashlib.sha256()
        wav_tmp = pcm.with_suffix(".wav")
        try:
            with open(pcm, "rb") as src, wave.open(str(wav_tmp), "wb") as wav:
                wav.setnchannels(self.fmt.channels)
                wav.setsampwidth(2)
                wav.setframerate(self.fmt.rate)
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    wav.writeframes(chunk)
            with self._lock:
                item = AudioItem(self._new_id(name), name, filename, round(seconds, 3),
                                 self._clock().isoformat(timespec="seconds"), digest.hexdigest(),
                                 levels.lufs, levels.peak_dbfs, linked_schedule=linked_schedule)
                os.replace(pcm, self.root / f"{item.id}.pcm")
                os.replace(wav_tmp, self.root / f"{item.id}.wav")
                self._store({**self._items, item.id: item})
        finally:
            wav_tmp.unlink(missing_ok=True)
        log.info("audio %s (%s) added: %.1f s, %s LUFS", item.id, filename, seconds, levels.lufs)
        return item

    def _new_id(self, name: str) -> str:
        base = slug(name)
        n, audio_id = 1, base
        while audio_id in self._items:
            n += 1
            audio_id = f"{base}-{n}"
        return audio_id

    def _store(self, items: dict[str, AudioItem]) -> None:
        """Write the new index durably, then adopt it: a failed write changes nothing."""
        doc = {"version": 1, "items": [item.to_dict() for item in items.values()]}
        atomic_write(self.root / INDEX,
                         json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
        self._items = items

    def _load(self) -> dict[str, AudioItem]:
        try:
            doc = json.loads((self.root / INDEX).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise ApplianceError(f"{self.root / INDEX} is damaged ({exc}); restore a backup "
                                 "or move it away to start an empty library.") from exc
        names = {f.name for f in fields(AudioItem)}
        items = (AudioItem(**{k: v for k, v in raw.items() if k in names})
                 for raw in doc.get("items", []))
        return {item.id: item for item in items}

    def _clean(self) -> None:
        """Remove leftovers of interrupted uploads: temp files and files no item refers to."""
        for path in self.root.iterdir():
            orphan = path.suffix in (".pcm", ".wav") and path.stem not in self._items
            if path.name.startswith(TMP_PREFIX) or orphan:
                path.unlink(missing_ok=True)


def _weekly_hours(config: Any) -> dict[str, dict[str, Any]]:
    return {sid: dict(schedule.weekly) for sid, schedule in config.schedules.items()}
