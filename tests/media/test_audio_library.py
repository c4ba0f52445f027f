"""The audio library on real files: formats, loudness, band, rejections, storage, staleness."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.config.store import ConfigStore
from appliance.errors import NotFound
from appliance.media.audio_convert import (
    AudioRejected,
    ToolMissing,
    looks_like,
    mp3_declared_seconds,
)
from appliance.media.audio_library import MIB, AudioLibrary, slug
from hardware.audio.format import AudioFormat
from tests.media.conftest import (
    RATE,
    TONE_S,
    integrated_lufs,
    needs_opus,
    needs_sox,
    rms,
    samples,
    sox_stats,
    upload,
)

pytestmark = needs_sox
PERIOD_BYTES = AudioFormat(RATE).period_bytes


@pytest.mark.parametrize("name", ["tone.wav", "tone.mp3", "tone.ogg",
                                  pytest.param("tone.opus.ogg", marks=needs_opus),
                                  "tone.flac"])
def test_each_accepted_format_converts_to_the_line_format(library, sounds, name):
    item = upload(library, sounds / name)
    pcm = library.pcm(item.id)
    expected = int(TONE_S * RATE) * 2  # mono S16: 2 bytes per frame
    # libmad keeps the encoder's delay and padding (under 2 frames of 1152 samples)
    slack = round(2 * 1152 / 44100 * RATE) * 2 if name.endswith(".mp3") else PERIOD_BYTES
    assert -PERIOD_BYTES <= len(pcm) - expected <= slack
    assert item.seconds == pytest.approx(TONE_S, abs=slack / (2 * RATE))
    assert item.original_filename == name
    with wave.open(str(library.wav_path(item.id))) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, RATE, 2)
        assert wav.readframes(wav.getnframes()) == pcm


def test_sixteen_khz_lines_get_twice_the_bytes(tmp_path, sounds):
    library = AudioLibrary(tmp_path / "wide", AudioFormat(16000))
    item = upload(library, sounds / "tone.flac")
    assert abs(len(library.pcm(item.id)) - int(TONE_S * 16000) * 2) <= 640


@pytest.mark.parametrize("name", ["loud.wav", "quiet.wav"])
def test_loud_and_quiet_uploads_land_near_minus_19_lufs(library, sounds, tmp_path, name):
    item = upload(library, sounds / name)
    pcm = tmp_path / "out.pcm"
    pcm.write_bytes(library.pcm(item.id))
    assert integrated_lufs(pcm) == pytest.approx(-19, abs=2)
    assert sox_stats(pcm)["Pk lev dB"] <= -3.0
    assert item.loudness_lufs == pytest.approx(-19, abs=2)
    assert item.peak_dbfs is not None
    assert item.peak_dbfs <= -3.0


def test_sharp_peaks_are_limited_to_minus_3_dbfs(library, sounds, tmp_path):
    """Clicks 20 dB above a quiet tone: the loudness gain would push them past full scale."""
    pcm = tmp_path / "out.pcm"
    pcm.write_bytes(library.pcm(upload(library, sounds / "clicks.wav").id))
    assert sox_stats(pcm)["Pk lev dB"] <= -3.0
    assert integrated_lufs(pcm) == pytest.approx(-19, abs=2)


def test_the_telephone_band_attenuates_100_hz_much_more_than_1_khz(library, sounds):
    values = samples(library.pcm(upload(library, sounds / "low-then-mid.wav").id))
    half, margin = len(values) // 2, RATE // 4  # skip filter settling and the join
    low, mid = rms(values[margin:half - margin]), rms(values[half + margin:-margin])
    assert 20 * math.log10(mid / low) > 12


# -- rejections ----------------------------------------------------------------------------


def rejection(library: AudioLibrary, path: Path) -> str:
    with pytest.raises(AudioRejected) as caught:
        upload(library, path)
    assert set(caught.value.fields) == {"file"}
    return caught.value.fields["file"].lower()


def test_a_png_named_mp3_is_not_an_audio_file(library, sounds):
    assert "not an audio file (looks like a png image)" in rejection(library,
                                                                    sounds / "picture.mp3")


def test_a_text_file_named_wav_is_not_an_audio_file(library, sounds):
    assert "not an audio file (looks like text)" in rejection(library, sounds / "notes.wav")


def test_other_audio_formats_are_named_but_not_accepted(library, sounds):
    assert "not an accepted format (looks like an mp4/m4a file)" in rejection(
        library, sounds / "phone-memo.m4a")


def test_a_playlist_is_never_followed(library, sounds, mocker):
    """The kind comes from the first bytes, so sox never sees a playlist (m3u/pls would make
    it open other files or URLs)."""
    run = mocker.spy(subprocess, "run")
    assert "not an audio file (looks like text)" in rejection(library, sounds / "playlist.mp3")
    assert run.call_count == 0                                # never handed to any tool


def test_sox_is_always_told_the_type(library, sounds, mocker):
    run = mocker.spy(subprocess, "run")
    upload(library, sounds / "tone.mp3")
    decode = next(c.args[0] for c in run.call_args_list if "remix" in c.args[0])
    assert decode[decode.index("-t") + 1] == "mp3"


def test_ogg_with_another_codec_is_refused_by_name(library, sounds, tmp_path):
    speex = tmp_path / "memo.ogg"
    speex.write_bytes(b"OggS\0\2" + bytes(20) + b"\x01\x50" + b"Speex   " + bytes(100))
    assert "ogg with speex sound; use vorbis or opus" in rejection(library, speex)


def test_silence_is_rejected(library, sounds):
    assert "silent" in rejection(library, sounds / "silence.wav")


def test_the_mp3_length_comes_from_the_encoders_info_frame():
    """sox would count only the frames present, which hides a truncated download."""
    frame = b"\xff\xfb\x90\x64" + bytes(32) + b"Info" + (1).to_bytes(4, "big")
    assert mp3_declared_seconds(frame + (116).to_bytes(4, "big") + bytes(100)) == \
        pytest.approx(116 * 1152 / 44100)
    tagged = b"ID3\4\0\0\0\0\0\x0a" + bytes(10) + frame + (50).to_bytes(4, "big")
    assert mp3_declared_seconds(tagged) == pytest.approx(50 * 1152 / 44100)
    assert mp3_declared_seconds(b"\xff\xfb\x90\x64" + bytes(200)) is None


def test_an_empty_file_is_rejected(library, sounds):
    assert "empty" in rejection(library, sounds / "empty.mp3")


def test_a_truncated_file_is_rejected(library, sounds):
    reason = rejection(library, sounds / "truncated.wav")
    assert "truncated" in reason
    assert "of its 0:03" in reason


def test_a_damaged_file_is_rejected(library, sounds):
    assert "damaged" in rejection(library, sounds / "damaged.wav")


def test_longer_than_ten_minutes_is_rejected_with_its_length(library, sounds):
    assert "longer than 10 minutes (is 11:00)" in rejection(library,
                                                           sounds / "eleven-minutes.ogg")


def test_a_rejected_upload_leaves_nothing_behind(library, sounds):
    for name in ("picture.mp3", "truncated.wav", "eleven-minutes.ogg"):
        rejection(library, sounds / name)
    assert library.list() == []
    assert sorted(p.name for p in library.root.iterdir()) == []


def test_a_missing_sox_says_what_to_install(tmp_path, fmt, sounds):
    library = AudioLibrary(tmp_path / "audio", fmt, sox="sox-not-installed")
    with pytest.raises(ToolMissing, match="apt install sox"):
        upload(library, sounds / "tone.ogg")
    assert ToolMissing.status == 503


@needs_opus
def test_a_missing_opus_decoder_says_what_to_install(tmp_path, fmt, sounds):
    library = AudioLibrary(tmp_path / "audio", fmt, opusdec="opusdec-not-installed")
    with pytest.raises(ToolMissing, match="opus-tools"):
        upload(library, sounds / "tone.opus.ogg")


class Endless:
    """A 50 MB upload that counts how much of it was read."""

    def __init__(self, total: int = 50 * MIB, piece: int = MIB) -> None:
        self.consumed = 0
        self._pieces = self._generate(total, piece)
        self._buffer = b""

    def _generate(self, total: int, piece: int) -> Iterator[bytes]:
        for _ in range(total // piece):
            self.consumed += piece
            yield b"\xff\xfb" * (piece // 2)

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < size:
            more = next(self._pieces, b"")
            if not more:
                break
            self._buffer += more
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def test_an_oversized_stream_is_refused_without_reading_it_all(library):
    stream = Endless()
    with pytest.raises(AudioRejected) as caught:
        library.add("big", "big.mp3", stream)
    assert "over 10 mb" in caught.value.fields["file"].lower()
    assert stream.consumed <= 11 * MIB
    assert list(library.root.iterdir()) == []


def test_what_a_file_looks_like():
    assert looks_like(b"\xff\xd8\xff\xe0") == "a JPEG image"
    assert looks_like(b"RIFF\0\0\0\0WAVEfmt ") == "WAV"
    assert looks_like(b"\0\0\0\x20ftypM4A ") == "an MP4/M4A file"
    assert looks_like(b"\xff\xf1\x50\x80") == "an AAC file"
    assert looks_like(b"\xff\xfb\x90\x64") == "MP3"
    assert looks_like("Canción de espera".encode()[:-1]) == "text"
    assert looks_like(bytes([0, 1, 2, 3, 200, 201])) == "unknown data"


# -- storage --------------------------------------------------------------------------------


def test_ids_are_url_safe_slugs_with_a_counter(library, sounds):
    first = upload(library, sounds / "tone.flac", name="Música de espera")
    second = upload(library, sounds / "tone.flac", name="Música de espera")
    assert (first.id, second.id) == ("musica-de-espera", "musica-de-espera-2")
    assert slug("¡¡!!") == "audio"


def test_the_index_survives_reopening(library, sounds, fmt):
    item = upload(library, sounds / "tone.ogg", name="Hold", linked_schedule="office")
    again = AudioLibrary(library.root, fmt)
    assert again.list() == [item]
    assert again.pcm(item.id) == library.pcm(item.id)
    assert hashlib.sha256(again.pcm(item.id)).hexdigest() == item.sha256


def test_the_index_is_replaced_atomically(library, sounds, mocker):
    item = upload(library, sounds / "tone.ogg", linked_schedule="office")
    index = library.root / "index.json"
    before = index.read_bytes()
    replace = mocker.patch("appliance.media.audio_library.os.replace",
                           side_effect=OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        library.mark_stale_for_schedule("office")
    (tmp, final), _ = replace.call_args
    assert Path(tmp).parent == index.parent
    assert Path(final) == index
    assert index.read_bytes() == before                       # the old version, whole
    assert not [p for p in index.parent.iterdir() if p.name.startswith(".tmp-")]
    assert library.get(item.id).stale is False                # memory matches the disk
    json.loads(before)


def test_leftovers_of_an_interrupted_upload_are_removed_on_start(library, sounds, fmt):
    item = upload(library, sounds / "tone.ogg")
    (library.root / ".tmp-abc.upload").write_bytes(b"half")
    (library.root / "ghost.pcm").write_bytes(b"\0\0")
    AudioLibrary(library.root, fmt)
    names = sorted(p.name for p in library.root.iterdir())
    assert names == sorted(["index.json", f"{item.id}.pcm", f"{item.id}.wav"])


def test_delete_removes_the_item_and_its_files(library, sounds, fmt):
    item = upload(library, sounds / "tone.ogg")
    library.delete(item.id)
    assert library.list() == []
    assert sorted(p.name for p in library.root.iterdir()) == ["index.json"]
    with pytest.raises(NotFound):
        library.get(item.id)
    with pytest.raises(NotFound):
        library.delete(item.id)
    assert AudioLibrary(library.root, fmt).list() == []


# -- hours that changed ---------------------------------------------------------------------


def test_stale_marking_follows_the_linked_schedule(library, sounds):
    linked = upload(library, sounds / "tone.ogg", linked_schedule="office")
    upload(library, sounds / "tone.ogg", linked_schedule="shop")
    assert library.mark_stale_for_schedule("office") == [linked.id]
    assert library.mark_stale_for_schedule("office") == []    # only newly flagged ids
    assert [i.stale for i in library.list()] == [True, False]
    library.clear_stale(linked.id)
    assert [i.stale for i in library.list()] == [False, False]
    with pytest.raises(NotFound):
        library.clear_stale("nope")


def test_changing_a_schedules_weekly_hours_flags_linked_uploads(library, sounds, tmp_path):
    store = ConfigStore(tmp_path / "config.json")
    try:
        store.create("schedules", {"id": "office", "name": "Office",
                                   "weekly": {"mon": [["09:00", "18:00"]]}})
        item = upload(library, sounds / "tone.ogg", linked_schedule="office")
        library.follow_schedules(store)
        library.follow_schedules(store)                       # idempotent
        store.patch("schedules", "office", {"name": "Main office"})
        assert not library.get(item.id).stale                 # a new name is not new hours
        store.patch("schedules", "office", {"weekly": {"mon": [["09:00", "14:00"]]}})
        assert library.get(item.id).stale
        assert json.loads((library.root / "index.json").read_text())["items"][0]["stale"]
    finally:
        store.close()
