"""Turning an upload (or a rendered prompt) into what the line plays: the conversion pipeline.

The audio library needs one thing done to every upload before it can be stored: its content
recognised (by its first bytes, never the file name), its length checked against what its header
declares, and then one decode to the line format (mono, 8 or 16 kHz S16_LE), band-limited to the
telephone band and loudness-normalised to EBU R128 with a limiter, so nothing is decoded or
resampled during a call. Speech renders its espeak-ng prompts through the same pipeline.

sox and its format libraries do the work (opusdec for Opus, which sox cannot read on Debian):
a few MB of Debian packages where ffmpeg pulled in hundreds. Loudness is measured by sox's
K-weighting filters plus a small gated sum here, so no numpy is needed either.

This module knows nothing of the library's files or index (it never imports ``audio_library``).
"""

from __future__ import annotations

import math
import operator
import re
import subprocess
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance.errors import ApplianceError, Text, ValidationError

if TYPE_CHECKING:
    from hardware.audio.format import AudioFormat

# What the content says → how sox reads it. The type is always named (``-t``): sox never guesses
# from a file name, so an upload can never be taken for an m3u/pls playlist (which would make it
# open other local files or URLs). Ogg Opus has no sox reader on Debian: opusdec decodes it.
SOX_TYPES = {"WAV": "wav", "MP3": "mp3", "FLAC": "flac", "OGG": "vorbis"}
TOOLS_HINT = "apt install sox libsox-fmt-mp3 opus-tools espeak-ng"
TARGET_LUFS = -19.0
PEAK_LIMIT_DB = -3.1        # sample peak after the limiter (0.7 of full scale)
BAND = ["highpass", "300", "lowpass", "3400"]   # what a GSM voice path carries anyway
HEADROOM_DB = 6.0          # sox works in 32-bit integers: room for filter overshoot
SILENCE_LUFS = -69.0        # quieter than the EBU R128 absolute gate (-70 LUFS) is silence
MIN_SECONDS = 0.5
LOUDNESS_BLOCK_S = 0.4      # EBU R128 gating block: shorter clips have no measurable loudness
CONVERT_TIMEOUT_S = 300     # 10 minutes of MP3 on a Pi Zero 2 W, with a wide margin
OPUS_RATE = 48000           # opusdec's native output: raw S16_LE stereo at 48 kHz
SIGNATURES = (
    (b"\x89PNG", Text("a PNG image")), (b"\xff\xd8\xff", Text("a JPEG image")),
    (b"GIF8", Text("a GIF image")), (b"%PDF", Text("a PDF document")),
    (b"PK\x03\x04", Text("a ZIP archive or office document")),
    (b"\x1aE\xdf\xa3", Text("a Matroska/WebM file")), (b"ID3", "MP3"), (b"OggS", "OGG"),
    (b"fLaC", "FLAC"),
)


class AudioRejected(ValidationError):
    """An upload that cannot be used; ``fields["file"]`` says why and what to do instead."""

    def __init__(self, reason: str) -> None:
        super().__init__({"file": reason},
                         Text("The file was not accepted. %(reason)s", reason=reason))


class ToolMissing(ApplianceError):
    """sox/opusdec/espeak-ng is not installed: the box's image is incomplete."""

    status = 503


@dataclass(frozen=True)
class Levels:
    lufs: float | None
    peak_dbfs: float | None


# -- the conversion pipeline (speech renders through it too) -----------------------------------


def run_tool(args: list[str], timeout: float, *,
             stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """Run a media tool with an argument list (never a shell) and a time limit."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              check=False, stdin=stdin)
    except FileNotFoundError:
        raise ToolMissing(f"{args[0]} is not installed; install the Debian packages that "
                          f"provide it ({TOOLS_HINT}) and restart.") from None
    except subprocess.TimeoutExpired:
        raise AudioRejected(Text("Took longer than %(seconds)g s to process: try a shorter "
                                 "file.", seconds=timeout)) from None


def raw(encoding: str, rate: int, channels: int = 1) -> list[str]:
    """sox's description of headerless little-endian PCM ("f32" or "s16")."""
    kind = ["floating-point", "32"] if encoding == "f32" else ["signed-integer", "16"]
    return ["-t", "raw", "-e", kind[0], "-b", kind[1], "-L", "-r", str(rate),
            "-c", str(channels)]


def sox_run(sox: str, args: list[str], failure: str, *, stdin: Any = subprocess.DEVNULL,
            subject: str = "") -> str:
    """Run sox (no dither: the same input always gives the same PCM); returns its report.

    ``-V1`` keeps only failures on stderr, so a failure can be quoted without server paths.
    """
    result = run_tool([sox, "-V1", "-D", *args], CONVERT_TIMEOUT_S, stdin=stdin)
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["no sound in it"])[-1]
        said = said.replace(subject, "the file") if subject else said
        raise AudioRejected(Text("%(failure)s (%(said)s): export it again as MP3 or WAV.",
                                 failure=failure, said=said[:120]))
    return result.stderr


def decode(src: Path, band: Path, fmt: AudioFormat, kind: str, *, sox: str, opusdec: str,
           max_seconds: float | None) -> None:
    """Decode to band-limited mono float PCM at the line rate (6 dB below the original).

    Resampling first makes the filters run at 8 or 16 kHz (cheap on a Pi); the telephone band
    filters are the same 2-pole Butterworth sections as before. Opus arrives from opusdec
    through a pipe, so a long file is never written out at 48 kHz.
    """
    limit = [] if max_seconds is None else ["trim", "0", f"{max_seconds + 1:g}"]
    effects = ["gain", f"{-HEADROOM_DB:g}", "remix", "-", "rate", str(fmt.rate), *BAND, *limit]
    output = [*raw("f32", fmt.rate, fmt.channels), str(band)]
    if kind != "OPUS":
        sox_run(sox, ["-t", SOX_TYPES[kind], str(src), *output, *effects],
                Text("Could not be decoded"), subject=str(src))
        return
    try:
        decoder = subprocess.Popen(  # noqa: S603 - an argument list, never a shell
            [opusdec, "--quiet", "--rate", str(OPUS_RATE), "--force-stereo", str(src), "-"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ToolMissing(f"{opusdec} is not installed, so Opus files cannot be read; install "
                          f"it ({TOOLS_HINT}) and restart.") from None
    try:
        sox_run(sox, [*raw("s16", OPUS_RATE, 2), "-", *output, *effects],
                Text("Could not be decoded"), stdin=decoder.stdout)
    finally:
        decoder.kill()        # sox stops reading at the length limit; opusdec need not finish
        decoder.communicate()


def k_weighting(rate: int) -> list[str]:
    """The two ITU-R BS.1770 K-weighting filters as sox ``biquad`` effects for ``rate``.

    The coefficients are derived for the actual rate (the formulas libebur128 uses),
    so 8 and 16 kHz are measured like 48 kHz would be.
    """
    k = math.tan(math.pi * 1681.974450955533 / rate)
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh ** 0.4996667741545416
    q = 0.7071752369554196
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
             (vh - vb * k / q + k * k) / a0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return [part for coefficients in (shelf, highpass)
            for part in ("biquad", *(f"{c:.12g}" for c in coefficients))]


def gated_loudness(weighted: Path, rate: int) -> float | None:
    """EBU R128 integrated loudness (LUFS) of K-weighted mono float PCM, or None if too short.

    400 ms blocks every 100 ms, an absolute gate at -70 LUFS and a relative one 10 LU below the
    mean of the blocks above it. The mean squares of 100 ms steps are summed in C
    (``map(operator.mul)``), about 10 s of audio per 0.1 s on a Pi 4: no numpy needed.
    """
    step = rate // 10
    powers: list[float] = []
    with open(weighted, "rb") as f:
        while len(data := f.read(4 * step)) == 4 * step:
            values = array("f", data)
            if sys.byteorder == "big":
                values.byteswap()
            powers.append(sum(map(operator.mul, values, values)) / step)
    blocks = [sum(powers[i:i + 4]) / 4 for i in range(len(powers) - 3)]
    audible = [z for z in blocks if z > 0 and _lufs(z) > -70]
    if not audible:
        return None
    gate = _lufs(sum(audible) / len(audible)) - 10
    kept = [z for z in audible if _lufs(z) > gate]
    return _lufs(sum(kept) / len(kept))


def _lufs(mean_square: float) -> float:
    return -0.691 + 10 * math.log10(mean_square)


def measure(pcm: Path, encoding: str, fmt: AudioFormat, *, sox: str) -> Levels:
    """Integrated loudness and sample peak of line-rate raw PCM (``stats`` sees it unweighted)."""
    weighted = pcm.with_name(pcm.name + ".k")
    try:
        report = sox_run(sox, [*raw(encoding, fmt.rate, fmt.channels), str(pcm),
                               *raw("f32", fmt.rate, fmt.channels), str(weighted),
                               "stats", *k_weighting(fmt.rate)], Text("Could not be measured"))
        found = re.search(r"Pk lev dB\s+(-?[\d.]+)", report)
        peak = None if found is None else float(found.group(1))
        return Levels(gated_loudness(weighted, fmt.rate), peak)
    finally:
        weighted.unlink(missing_ok=True)


def limit_to_line(band: Path, dst: Path, fmt: AudioFormat, gain: float, *, sox: str) -> None:
    """Apply ``gain`` dB and a limiter at -3.1 dBFS in one ``compand``, writing S16 PCM.

    The gain is part of the transfer function (slope 1 below the knee, flat above it), so
    nothing is clipped in between; attack 0 makes the ceiling exact for every sample.
    """
    knee = PEAK_LIMIT_DB - gain
    points = [-120.0, -120.0 + gain]
    points += [knee, PEAK_LIMIT_DB, 0.0, PEAK_LIMIT_DB] if knee < 0 else [0.0, gain]
    sox_run(sox, [*raw("f32", fmt.rate, fmt.channels), str(band),
                  *raw("s16", fmt.rate, fmt.channels), str(dst),
                  "compand", "0,0.1", "0.01:" + ",".join(f"{p:.2f}" for p in points),
                  "0", "-120", "0"], Text("Could not be converted"))


def convert_to_line(src: Path, dst: Path, fmt: AudioFormat, *, kind: str = "WAV",
                    sox: str = "sox", opusdec: str = "opusdec", max_seconds: float | None = None,
                    declared: float | None = None) -> Levels:
    """Decode ``src`` (of ``kind``, see ``SOX_TYPES``) once into raw line-format PCM at ``dst``,
    normalised to -19 LUFS.

    Two passes over a band-limited float copy: measure its EBU R128 loudness, then apply one
    constant gain plus a limiter at -3.1 dBFS. This keeps the music's own dynamics and is exact
    for any length (a single-pass dynamic normaliser silences one-word prompts).
    With ``max_seconds`` (uploads) the decoded length is checked too (see ``check_length``).
    Returns the loudness and sample peak measured on the final PCM.
    """
    band = dst.with_name(dst.name + ".f32")
    try:
        decode(src, band, fmt, kind, sox=sox, opusdec=opusdec, max_seconds=max_seconds)
        seconds = band.stat().st_size / (4 * fmt.rate * fmt.channels) if band.exists() else 0.0
        if seconds == 0:
            raise AudioRejected(Text("Damaged: no sound could be decoded from it; export it "
                                     "again as MP3 or WAV."))
        if max_seconds is not None:
            check_length(seconds, declared, max_seconds)
        found = measure(band, "f32", fmt, sox=sox)
        gain = HEADROOM_DB  # shorter than one 400 ms block: no measurable loudness, as is
        if found.lufs is not None and found.lufs > SILENCE_LUFS:
            gain = TARGET_LUFS - found.lufs
        elif seconds >= LOUDNESS_BLOCK_S:
            raise AudioRejected(Text("Silent: there is no sound in it to play."))
        limit_to_line(band, dst, fmt, gain, sox=sox)
        return measure(dst, "s16", fmt, sox=sox)
    finally:
        band.unlink(missing_ok=True)


def check_length(seconds: float, declared: float | None, max_seconds: float) -> None:
    """Too long, too short, or much shorter than its header says (a truncated download)."""
    if seconds > max_seconds:
        raise AudioRejected(Text("Longer than %(limit)s (is at least %(length)s): trim it and "
                                 "upload it again.", limit=span(max_seconds),
                                 length=clock_time(seconds)))
    if declared is not None and seconds < declared / 2 and declared - seconds > 1:
        raise AudioRejected(Text("Damaged or truncated: only %(seconds).1f s of its %(length)s "
                                 "could be decoded; upload the complete file.",
                                 seconds=seconds, length=clock_time(declared)))
    if seconds < MIN_SECONDS:
        raise AudioRejected(Text("Too short (%(seconds).1f s): upload at least half a second "
                                 "of sound.", seconds=seconds))


def looks_like(head: bytes) -> str:
    """A person's name for what the first bytes of a file are (for rejection messages)."""
    for magic, what in SIGNATURES:
        if head.startswith(magic):
            return what
    if head.startswith(b"RIFF"):
        return {b"WAVE": "WAV", b"WEBP": Text("a WebP image"), b"AVI ": Text("an AVI video")
                }.get(head[8:12], Text("a RIFF file"))
    if head[4:8] == b"ftyp":
        return Text("an MP4/M4A file")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return Text("an AAC file") if head[1] & 0x06 == 0 else "MP3"  # ADTS: layer bits 00
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c.isspace() for c in text):
            return Text("text")
        break
    return Text("unknown data")


MP3_RATES = (44100, 48000, 32000)


def mp3_declared_seconds(head: bytes) -> float | None:
    """The length an MP3's Xing/Info header gives (frames x samples per frame / rate)."""
    start = 0
    if head.startswith(b"ID3") and len(head) >= 10:
        start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    found = re.compile(rb"\xff[\xe0-\xff]").search(head, start)
    if found is None or len(head) < found.start() + 4:
        return None
    header = int.from_bytes(head[found.start():found.start() + 4], "big")
    version, rate_index, mono = (header >> 19) & 3, (header >> 10) & 3, (header >> 6) & 3 == 3
    if rate_index == 3 or version == 1:
        return None
    rate = MP3_RATES[rate_index] >> {3: 0, 2: 1, 0: 2}[version]
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    at = found.start() + 4 + side
    if len(head) < at + 12 or head[at:at + 4] not in (b"Xing", b"Info") or not head[at + 7] & 1:
        return None
    frames = int.from_bytes(head[at + 8:at + 12], "big")
    return frames * (1152 if version == 3 else 576) / rate


def opus_declared_seconds(path: Path, head: bytes) -> float | None:
    """The last Ogg page's granule position (48 kHz samples) minus the Opus pre-skip."""
    packet = head[27 + head[26]:]
    pre_skip = int.from_bytes(packet[10:12], "little")
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 65536))
        tail = f.read()
    at = tail.rfind(b"OggS")
    if at < 0 or len(tail) < at + 14:
        return None
    granule = int.from_bytes(tail[at + 6:at + 14], "little")
    return None if granule >= 2 ** 63 else max(0, granule - pre_skip) / OPUS_RATE


def clock_time(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def span(seconds: float) -> str:
    if seconds % 60 == 0:
        return Text("%(count)g minutes", count=seconds / 60)
    return Text("%(count)g seconds", count=seconds)
