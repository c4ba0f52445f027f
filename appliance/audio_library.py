"""The owner's audio library: uploaded hold music and recorded prompts, converted once.

Design rule 5: no music ships with the product, so everything a caller hears besides tones and
spoken text is uploaded by the owner. An upload is checked by *content* (ffprobe, never the file
name), by size while it streams in (a 50 MB body is never held in memory), and by length; then it
is converted once to the line format (mono, 8 or 16 kHz S16_LE), band-limited to the telephone band
and loudness-normalised, so nothing is decoded or resampled during a call. The converted PCM and a
WAV copy for preview live in ``root``; metadata lives in ``root/index.json``, replaced atomically.

Conversion takes a second or more on a Pi (several ffmpeg runs), so ``add`` runs on the web
request thread that received the upload, never on the core thread; the library's one lock is held
only for the short bookkeeping at the end, so listing and playing are not blocked by a conversion.

Design rule 8: an upload can be linked to a schedule whose hours it mentions; when that schedule's
weekly hours change (``follow_schedules``) it is flagged stale until the owner reviews it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import secrets
import subprocess
import threading
import unicodedata
import wave
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import ApplianceError, NotFound, ValidationError
from .storage import TMP_PREFIX as STORAGE_TMP_PREFIX
from .storage import atomic_write

if TYPE_CHECKING:
    from hardware.audio.format import AudioFormat

log = logging.getLogger(__name__)

MIB = 1024 * 1024
CHUNK = 64 * 1024
INDEX = "index.json"
TMP_PREFIX = STORAGE_TMP_PREFIX   # one prefix, so every start-up sweep finds them
ACCEPTED = {"wav": "WAV", "mp3": "MP3", "ogg": "OGG", "flac": "FLAC"}  # ffprobe format → label
OGG_CODECS = frozenset({"vorbis", "opus"})
# Only these demuxers may read an upload: a file that probes as an HLS playlist or a concat list
# could otherwise make ffmpeg open other local files or LAN URLs (a known ffmpeg upload attack).
ONLY_ACCEPTED = ["-format_whitelist", ",".join(ACCEPTED)]
ACCEPTED_HINT = "upload a WAV, MP3, OGG or FLAC file"
TARGET_LUFS = -19.0
PEAK_LIMIT = 0.7            # linear sample peak after the limiter: -3.1 dBFS
BAND_FILTER = "highpass=f=300,lowpass=f=3400"   # what a GSM voice path carries anyway
SILENCE_LUFS = -69.0        # ebur128 reports -70 LUFS for digital silence
MIN_SECONDS = 0.5
LOUDNESS_BLOCK_S = 0.4      # EBU R128 gating block: shorter clips have no measurable loudness
PROBE_TIMEOUT_S = 30
CONVERT_TIMEOUT_S = 300     # 10 minutes of MP3 on a Pi Zero 2 W, with a wide margin
SIGNATURES = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM file"), (b"ID3", "MP3"), (b"OggS", "OGG"),
    (b"fLaC", "FLAC"),
)
OTHER_MEDIA = frozenset({"an MP4/M4A file", "a Matroska/WebM file", "an AVI video"})
AUDIO_FILES = {"WAV": "a WAV file", "MP3": "an MP3 file", "OGG": "an OGG file",
               "FLAC": "a FLAC file"}


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


class AudioRejected(ValidationError):
    """An upload that cannot be used; ``fields["file"]`` says why and what to do instead."""

    def __init__(self, reason: str) -> None:
        super().__init__({"file": reason}, f"The file was not accepted. {reason}")


class ToolMissing(ApplianceError):
    """ffmpeg/ffprobe/espeak-ng is not installed: the box's image is incomplete."""

    status = 503


@dataclass(frozen=True)
class Levels:
    lufs: float | None
    peak_dbfs: float | None


# -- the conversion pipeline (speech renders through it too) -----------------------------------


def run_tool(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a media tool with an argument list (never a shell) and a time limit."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ToolMissing(f"{args[0]} is not installed; install the Debian package that provides "
                          f"it (apt install ffmpeg espeak-ng) and restart.") from None
    except subprocess.TimeoutExpired:
        raise AudioRejected(f"Took longer than {timeout:g} s to process: "
                            "try a shorter file.") from None


def _raw_input(fmt: AudioFormat, sample_format: str, path: Path) -> list[str]:
    return ["-f", sample_format, "-ar", str(fmt.rate), "-ac", str(fmt.channels), "-i", str(path)]


def filter_and_measure(ffmpeg: str, inputs: list[str], chain: str, output: list[str],
                       failure: str) -> Levels:
    """Run ``chain`` on the first audio stream into ``output`` and measure what it produced.

    One ffmpeg process does both (``asplit`` into ``ebur128``): starting ffmpeg costs about
    0.1 s here and several times that on a Pi, so every run saved shortens an upload.
    ``level+info`` tags each log line, so real errors can be told from the measurement report.
    """
    graph = (f"[0:a:0]{chain},asplit=2[out][measure];"
             "[measure]ebur128=peak=sample:framelog=verbose,anullsink")
    result = run_tool([ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info",
                       "-y", *inputs, "-filter_complex", graph, "-map", "[out]", *output],
                      CONVERT_TIMEOUT_S)
    if result.returncode != 0:
        errors = [line.partition("] ")[2] for line in result.stderr.splitlines()
                  if "[error]" in line or "[fatal]" in line] or ["no sound in it"]
        said = errors[-1].replace(inputs[-1], "the file")  # no server paths in the message
        raise AudioRejected(f"{failure} ({said[:120]}): export it again as MP3 or WAV.")
    summary = result.stderr.rpartition("Summary:")[2]

    def number(pattern: str) -> float | None:
        found = re.search(pattern, summary)
        value = None if found is None else float(found.group(1))
        return value if value is not None and math.isfinite(value) else None

    return Levels(number(r"I:\s+(-?[\d.]+|-inf) LUFS"), number(r"Peak:\s+(-?[\d.]+|-inf) dBFS"))


def convert_to_line(src: Path, dst: Path, fmt: AudioFormat, *, ffmpeg: str = "ffmpeg",
                    max_seconds: float | None = None, declared: float | None = None) -> Levels:
    """Decode ``src`` once into raw line-format PCM at ``dst``, normalised to -19 LUFS.

    Two passes over a band-limited float copy instead of single-pass ``loudnorm``: loudnorm's
    dynamic mode silences clips shorter than its 3 s window (a one-word prompt came out at
    -50 LUFS) and measuring with it at 192 kHz took 10 s per 10 minutes of audio here. A constant
    gain plus a limiter at -3.1 dBFS keeps the music's own dynamics and is exact for any length.
    With ``max_seconds`` (uploads) the decoded length is checked too (see ``check_length``).
    Returns the loudness and sample peak measured on the final PCM.
    """
    band = dst.with_name(dst.name + ".f32")
    limit = [] if max_seconds is None else ["-t", f"{max_seconds + 1:g}"]
    try:
        found = filter_and_measure(
            ffmpeg, [*ONLY_ACCEPTED, "-i", str(src)],
            f"aformat=channel_layouts=mono,{BAND_FILTER},aresample={fmt.rate}",
            [*limit, "-ac", str(fmt.channels), "-f", "f32le", "-c:a", "pcm_f32le", str(band)],
            "Could not be decoded")
        seconds = band.stat().st_size / (4 * fmt.rate * fmt.channels) if band.exists() else 0.0
        if max_seconds is not None:
            check_length(seconds, declared, max_seconds)
        gain = 0.0  # a clip shorter than one 400 ms loudness block cannot be measured
        if found.lufs is not None and found.lufs > SILENCE_LUFS:
            gain = TARGET_LUFS - found.lufs
        elif seconds >= LOUDNESS_BLOCK_S or seconds == 0:
            raise AudioRejected("Silent: there is no sound in it to play.")
        return filter_and_measure(
            ffmpeg, _raw_input(fmt, "f32le", band),
            f"volume={gain:.2f}dB,alimiter=limit={PEAK_LIMIT}:level=0",
            ["-f", "s16le", "-c:a", "pcm_s16le", str(dst)], "Could not be converted")
    finally:
        band.unlink(missing_ok=True)


def check_length(seconds: float, declared: float | None, max_seconds: float) -> None:
    """Too long, too short, or much shorter than its header says (a truncated download)."""
    if seconds > max_seconds:
        raise AudioRejected(f"Longer than {_span(max_seconds)} (is at least "
                            f"{clock_time(seconds)}): trim it and upload it again.")
    if declared is not None and seconds < declared / 2 and declared - seconds > 1:
        raise AudioRejected(f"Damaged or truncated: only {seconds:.1f} s of its "
                            f"{clock_time(declared)} could be decoded; upload the complete "
                            "file.")
    if seconds < MIN_SECONDS:
        raise AudioRejected(f"Too short ({seconds:.1f} s): upload at least half a second "
                            "of sound.")


def looks_like(head: bytes) -> str:
    """A person's name for what the first bytes of a file are (for rejection messages)."""
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            return what
    if head.startswith(b"RIFF"):
        return {b"WAVE": "WAV", b"WEBP": "a WebP image", b"AVI ": "an AVI video"}.get(
            head[8:12], "a RIFF file")
    if head[4:8] == b"ftyp":
        return "an MP4/M4A file"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "MP3"
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c.isspace() for c in text):
            return "text"
        break
    return "unknown data"


def clock_time(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _span(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds % 60 == 0 else f"{seconds:g} seconds"


def slug(name: str) -> str:
    """A url-safe id stem from a name: ``Música de espera`` → ``musica-de-espera``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:30].strip("-") or "audio"


# -- the library --------------------------------------------------------------------------------


class AudioLibrary:
    """Uploaded audio in the line format. All methods are thread-safe (one lock)."""

    def __init__(self, root: Path, fmt: AudioFormat, *, max_bytes: int = 10 * MIB,
                 max_seconds: float = 600.0, ffmpeg: str = "ffmpeg", ffprobe: str = "ffprobe",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.root = Path(root)
        self.fmt = fmt
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
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
            declared = self._probe(upload)
            levels = convert_to_line(upload, pcm, self.fmt, ffmpeg=self.ffmpeg,
                                     max_seconds=self.max_seconds, declared=declared)
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
                    raise AudioRejected(f"Over {self.max_bytes / MIB:g} MB: upload a shorter or "
                                        "more compressed file (MP3 or OGG).")
                out.write(chunk)
        if total == 0:
            raise AudioRejected("Empty: the file has no content; choose it again.")

    def _probe(self, path: Path) -> float | None:
        """Accept WAV, MP3, OGG (Vorbis/Opus) or FLAC by content; returns the declared length."""
        result = run_tool([self.ffprobe, "-v", "error", *ONLY_ACCEPTED,
                           "-show_entries", "format=format_name,duration:stream=codec_type,"
                           "codec_name", "-of", "json", str(path)], PROBE_TIMEOUT_S)
        try:
            info = json.loads(result.stdout or "{}")
        except ValueError:
            info = {}
        formats = str(info.get("format", {}).get("format_name", "")).split(",")
        audio = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
        kind = next((ACCEPTED[f] for f in formats if f in ACCEPTED), None)
        if not audio or kind is None:
            raise AudioRejected(self._not_audio(path))
        codec = audio[0].get("codec_name")
        if kind == "OGG" and codec not in OGG_CODECS:
            raise AudioRejected(f"Not accepted: OGG with {codec} sound; use Vorbis or Opus, "
                                "or upload MP3.")
        try:
            declared = float(info["format"]["duration"])
        except (KeyError, TypeError, ValueError):
            return None
        if declared > self.max_seconds:
            raise AudioRejected(f"Longer than {_span(self.max_seconds)} (is "
                                f"{clock_time(declared)}): trim it and upload it again.")
        return declared

    @staticmethod
    def _not_audio(path: Path) -> str:
        with open(path, "rb") as f:
            what = looks_like(f.read(512))
        if what in AUDIO_FILES:
            return (f"Damaged: it starts like {AUDIO_FILES[what]} but no sound could be read "
                    "from it; export it again.")
        if what in OTHER_MEDIA:
            return f"Not an accepted format (looks like {what}): {ACCEPTED_HINT}."
        return f"Not an audio file (looks like {what}): {ACCEPTED_HINT}."

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
