"""The box's TOML settings: every mistake reported by key, nothing guessed."""

from __future__ import annotations

import pytest

from appliance.ops.settings import SettingsError, load_settings
from hardware.interfaces import Capability
from hardware.modem.dialects import Dialect
from hardware.modem.gsm import GsmModem
from hardware.real import RealHardware

GOOD = """
data_dir = "/var/lib/switchboard"
[web]
host = "0.0.0.0"
port = 8080
[audio]
rate = 16000
[[lines]]
id = "line-1"
device = "/dev/serial/by-id/usb-SimTech-if02-port0"
dialect = "simcom_sim7600"
pin = "1234"
audio_playback = "modem1"
audio_capture = "modem1"
[[lines]]
id = "line-2"
device = "/dev/serial/by-id/usb-Quectel-if02-port0"
[[handsets]]
station = "desk-1"
hook = 27
ring_mode = 17
forward_reverse = 4
audio_playback = "hs1"
audio_capture = "hs1mic"
"""


def write(tmp_path, text):
    path = tmp_path / "switchboard.toml"
    path.write_text(text)
    return path


def test_a_complete_file(tmp_path):
    s = load_settings(write(tmp_path, GOOD))
    assert (str(s.data_dir), s.host, s.port, s.audio_rate) == (
        "/var/lib/switchboard", "0.0.0.0", 8080, 16000)  # noqa: S104 - read, not bound
    assert [(w.id, w.dialect, w.pin) for w in s.lines] == [
        ("line-1", Dialect.SIM7600, "1234"), ("line-2", None, None)]
    assert (s.handsets[0].hook, s.handsets[0].audio_capture) == (27, "hs1mic")


@pytest.mark.parametrize(("text", "problem"), [
    ("", "data_dir is required"),
    ('data_dir = "/d"\n[web]\nport = 70000', "web.port must be a whole number"),
    ('data_dir = "/d"\n[audio]\nrate = 11025', "audio.rate must be 8000 or 16000"),
    ('data_dir = "/d"\n[[lines]]\nid = "l"\ndevice = "/dev/x"\ndialect = "nokia"',
     "lines[0].dialect must be auto or one of"),
    ('data_dir = "/d"\n[[lines]]\nid = "l"\ndevice = "/dev/x"\npin = 1234',
     "lines[0].pin must be 4 to 8 digits, in quotes"),
    ('data_dir = "/d"\n[[lines]]\nid = "l"', "lines[0].device is required"),
    ('data_dir = "/d"\n[[handsets]]\nstation = "s"\nhook = 27\nring_mode = 27\n'
     'forward_reverse = 4', "a GPIO pin is used twice"),
    ('data_dir = "/d"\n[[handsets]]\nstation = "s"\nhook = 40\nring_mode = 17\n'
     'forward_reverse = 4', "handsets[0].hook must be a whole number from 2 to 27"),
    ("data_dir = ", "not valid TOML"),
])
def test_mistakes_are_named(tmp_path, text, problem):
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, text))
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_a_missing_file(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_the_box_language(tmp_path):
    assert load_settings(write(tmp_path, 'data_dir = "/d"\n')).language == "es"
    assert load_settings(write(tmp_path, 'data_dir = "/d"\nlanguage = "en"\n')).language == "en"
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, 'data_dir = "/d"\nlanguage = "fr"\n'))
    assert any("language must be one of" in p for p in err.value.problems)


def test_a_line_kind_without_a_driver_is_refused_by_name(tmp_path):
    text = GOOD.replace('id = "line-2"', 'id = "line-2"\nkind = "isdn"')
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, text))
    assert any("lines[1].kind must be one of gsm, analog" in p for p in err.value.problems)


ANALOG = """
[sip]
listen = "eth0"
[[lines]]
id = "line-3"
kind = "analog"
ata = "192.168.1.20"
[[phones]]
station = "desk-4"
uri = "sip:desk4@192.168.1.21:5062"
"""


def test_analog_lines_and_sip_phones_are_read_with_where_baresip_listens(tmp_path):
    settings = load_settings(write(tmp_path, GOOD + ANALOG))
    assert settings.lines[2].kind == "analog"
    assert settings.lines[2].ata == "192.168.1.20"
    assert settings.phones[0].uri == "sip:desk4@192.168.1.21:5062"
    assert (settings.sip.listen, settings.sip.port) == ("eth0", 5060)


@pytest.mark.parametrize(("change", "problem"), [
    (('[sip]\nlisten = "eth0"\n', ""), "[sip] with listen"),
    (('listen = "eth0"', 'listen = "0.0.0.0"'), "sip.listen must be one interface"),
    (('ata = "192.168.1.20"', 'ata = "the ata"'), "lines[2].ata must be the ATA's IP address"),
    (('ata = "192.168.1.20"\n', ""), "lines[2].ata is required"),
    (('uri = "sip:desk4@192.168.1.21:5062"', 'uri = "desk4"'), "phones[0].uri must look like"),
    (('station = "desk-4"', 'station = "desk-1"'), "the same id"),
])
def test_analog_and_phone_mistakes_are_named(tmp_path, change, problem):
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, GOOD + ANALOG.replace(*change)))
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_real_hardware_picks_the_driver_by_the_line_kind(tmp_path):
    """Issue 11: a line kind is a seam; the core asks drivers for capabilities, not hasattr."""
    settings = load_settings(write(tmp_path, GOOD))
    assert [line.kind for line in settings.lines] == ["gsm", "gsm"]
    hardware = RealHardware(settings, audio=None, data_dir=tmp_path)
    driver = hardware.line_driver("line-1")
    assert isinstance(driver, GsmModem)
    assert Capability.SMS in driver.capabilities
    assert hardware.line_driver("nowhere") is None


def test_the_pin_typed_on_the_page_wins_over_the_settings_file(tmp_path):
    settings = load_settings(write(tmp_path, GOOD))
    hardware = RealHardware(settings, audio=None, data_dir=tmp_path)
    from_file = hardware.line_driver("line-1").settings.pin
    hardware.page_pins = {"line-1": "9876"}.get
    assert hardware.line_driver("line-1").settings.pin == "9876"
    assert hardware.line_driver("line-2").settings.pin == settings.lines[1].pin
    assert from_file == settings.lines[0].pin


def test_handsets_ring_the_box_countrys_way_unless_told_otherwise(tmp_path):
    text = 'country = "mx"\n' + GOOD.replace('audio_capture = "hs1mic"',
                                             'audio_capture = "hs1mic"\nring = "GB"\nring_hz = 20')
    settings = load_settings(write(tmp_path, text))
    assert settings.country == "MX"
    assert (settings.handsets[0].ring, settings.handsets[0].ring_hz) == ("GB", 20)
    hardware = RealHardware(settings, audio=None, data_dir=tmp_path)
    cadence = hardware.station_driver("desk-1").cadence
    assert (cadence.pairs, cadence.frequency_hz) == (((0.4, 0.2), (0.4, 2.0)), 20)
    backwards = 'audio_capture = "hs1mic"\nflash_ms = [900, 80]'
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, GOOD.replace('audio_capture = "hs1mic"', backwards)))
    assert "handsets[0].flash_ms must be [shortest, longest] in ms, 30 to 2000" in \
        err.value.problems


def test_an_unknown_country_or_bell_frequency_is_named(tmp_path):
    text = 'country = "XX"\n' + GOOD.replace('audio_capture = "hs1mic"',
                                             'audio_capture = "hs1mic"\nring_hz = 100')
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, text))
    assert any(p.startswith("country must be one of AR, BR") for p in err.value.problems)
    assert "handsets[0].ring_hz must be a number from 10 to 60" in err.value.problems


def test_the_front_panel_pins_are_read_and_may_not_clash_with_a_handset(tmp_path):
    panel = '[panel]\nlamps = { "line-1" = 13, "line-2" = 19 }\nclosed_switch = 18\n'
    settings = load_settings(write(tmp_path, GOOD + panel))
    assert settings.panel.lamps == {"line-1": 13, "line-2": 19}
    assert settings.panel.closed_switch == 18
    assert RealHardware(settings, audio=None, data_dir=tmp_path).panel.lamp_pins == \
        {"line-1": 13, "line-2": 19}
    with pytest.raises(SettingsError) as err:
        load_settings(write(tmp_path, GOOD + panel.replace("= 13", "= 27")))  # desk-1's hook
    assert "a GPIO pin is used twice in [[handsets]] and [panel]" in err.value.problems
