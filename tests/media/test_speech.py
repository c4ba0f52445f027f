"""Spoken prompts (espeak-ng) and the hours said as a sentence."""

from __future__ import annotations

import subprocess
from types import MappingProxyType

import pytest

from appliance.config.model import Interval, Schedule
from appliance.media.audio_library import AudioLibrary
from appliance.media.speech import Speech, SpeechError, describe_hours, fill_hours, spoken_text
from hardware.audio.sources import File, Say
from tests.media.conftest import RATE, needs_espeak, needs_sox, rms, samples, upload


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def schedule(**days: str) -> Schedule:
    """``schedule(mon="09:00-14:00 16:00-19:00")``: days not given are closed."""
    weekly = {day: tuple(Interval(*(minutes(t) for t in span.split("-")))
                         for span in spans.split())
              for day, spans in days.items()}
    return Schedule("office", "Office", "Europe/Madrid", MappingProxyType(weekly))


WEEKDAYS_9_18 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00")
SPLIT = {**dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-14:00 16:00-19:00"),
         "sat": "10:00-13:00"}


# -- describe_hours -------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "spanish", "english"), [
    (WEEKDAYS_9_18, "Abrimos de lunes a viernes de 9:00 a 18:00.",
     "We are open Monday to Friday from 9:00 to 18:00."),
    (SPLIT, "Abrimos de lunes a viernes de 9:00 a 14:00 y de 16:00 a 19:00, y los sábados de "
            "10:00 a 13:00.",
     "We are open Monday to Friday from 9:00 to 14:00 and from 16:00 to 19:00, and on "
     "Saturdays from 10:00 to 13:00."),
    ({}, "Ahora mismo no tenemos horario de atención.",
     "We have no opening hours at the moment."),
    ({"fri": "20:00-24:00", "sat": "20:00-24:00"},
     "Abrimos los viernes y sábados de 20:00 a medianoche.",
     "We are open on Fridays and Saturdays from 20:00 to midnight."),
    (dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00"),
     "Abrimos todos los días las 24 horas.", "We are open every day 24 hours a day."),
    ({"mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00", "thu": "09:00-18:00",
      "fri": "09:00-15:00", "sat": "10:00-13:00"},
     "Abrimos de lunes a jueves de 9:00 a 18:00, los viernes de 9:00 a 15:00, y los sábados "
     "de 10:00 a 13:00.",
     "We are open Monday to Thursday from 9:00 to 18:00, on Fridays from 9:00 to 15:00, and "
     "on Saturdays from 10:00 to 13:00."),
    ({"mon": "09:30-13:00", "wed": "09:30-13:00"},
     "Abrimos los lunes de 9:30 a 13:00, y los miércoles de 9:30 a 13:00.",
     "We are open on Mondays from 9:30 to 13:00, and on Wednesdays from 9:30 to 13:00."),
])
def test_describe_hours(days, spanish, english):
    assert describe_hours(schedule(**days), "es") == spanish
    assert describe_hours(schedule(**days), "en") == english


def test_describe_hours_sorts_a_days_intervals():
    assert describe_hours(schedule(mon="16:00-19:00 09:00-14:00")) == \
        "Abrimos los lunes de 9:00 a 14:00 y de 16:00 a 19:00."


def test_describe_hours_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="language"):
        describe_hours(schedule(), "fr")


def test_fill_hours_puts_the_current_hours_into_the_text():
    text = "Estamos cerrados. {hours} Gracias por llamar."
    assert fill_hours(text, schedule(**WEEKDAYS_9_18)) == (
        "Estamos cerrados. Abrimos de lunes a viernes de 9:00 a 18:00. Gracias por llamar.")
    assert fill_hours("We are closed. {hours}", schedule(sat="10:00-13:00"), "en") == \
        "We are closed. We are open on Saturdays from 10:00 to 13:00."
    assert fill_hours("Sin horario {x}.", schedule()) == "Sin horario {x}."


def test_times_are_written_the_way_they_should_be_said():
    assert spoken_text("de 9:00 a 18:30", "es") == "de 9 a 18:30"
    assert spoken_text("from 9:00 to 18:00, 12:00, 0:00, 9:30", "en") == \
        "from 9 AM to 6 PM, 12 noon, midnight, 9:30 AM"


# -- rendering --------------------------------------------------------------------------------


@pytest.fixture
def speech(tmp_path, fmt) -> Speech:
    return Speech(tmp_path / "speech", fmt)


@needs_espeak
@needs_sox
@pytest.mark.parametrize(("language", "text"), [
    ("es", "Abrimos de lunes a viernes de 9:00 a 18:00."),
    ("en", "We are open Monday to Friday from 9:00 to 18:00."),
])
def test_render_speaks_plausibly_and_caches(speech, mocker, language, text):
    spy = mocker.spy(subprocess, "run")
    pcm = speech.render(text, language=language)
    seconds = len(pcm) / (2 * RATE)
    assert len(pcm) % 2 == 0
    assert 1.5 < seconds < 8, seconds
    assert rms(samples(pcm)) > 300                  # clearly not silence (about -40 dBFS)
    assert any(call.args[0][0].endswith("espeak-ng") for call in spy.call_args_list)
    assert [a for a in spy.call_args_list[0].args[0] if a in ("es", "en-gb")] == \
        ["es" if language == "es" else "en-gb"]
    spy.reset_mock()
    assert speech.render(text, language=language) == pcm
    assert spy.call_count == 0                      # the second time comes from the disk
    assert Speech(speech.cache_dir, speech.fmt).render(text, language=language) == pcm


@needs_espeak
@needs_sox
def test_a_schedule_change_gives_a_new_rendering(speech, mocker):
    closed = "Estamos cerrados. {hours}"
    before = speech.render(fill_hours(closed, schedule(**WEEKDAYS_9_18)))
    spy = mocker.spy(subprocess, "run")
    after = speech.render(fill_hours(closed, schedule(**SPLIT)))
    assert spy.call_count > 0
    assert len(after) > len(before)                 # the split shift takes longer to say


def test_missing_espeak_says_what_to_install(tmp_path, fmt):
    speech = Speech(tmp_path / "speech", fmt, espeak="espeak-ng-not-installed")
    with pytest.raises(SpeechError, match="apt install espeak-ng"):
        speech.render("Hola")


def test_render_refuses_empty_text_and_unknown_languages(speech):
    with pytest.raises(SpeechError, match="no text"):
        speech.render("   ")
    with pytest.raises(SpeechError, match="language 'fr'"):
        speech.render("Bonjour", language="fr")


@needs_espeak
@needs_sox
def test_resolver_speaks_text_and_plays_uploads(speech, sounds, tmp_path, fmt, mocker):
    library = AudioLibrary(tmp_path / "audio", fmt)
    item = upload(library, sounds / "tone.flac")
    resolve = speech.resolver(library)
    render = mocker.spy(speech, "render")
    assert resolve(File(item.id)) == library.pcm(item.id)
    resolve(Say("Por favor, espere."))
    resolve(Say("Please hold.", "en"))
    resolve(Say("9:00 es la hora."))
    assert [(c.args[0], c.kwargs["language"]) for c in render.call_args_list] == [
        ("Por favor, espere.", "es"), ("Please hold.", "en"), ("9:00 es la hora.", "es")]
