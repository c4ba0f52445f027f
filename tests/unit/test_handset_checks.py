"""What `switchboard doctor` says about desk handsets, on gpiozero mock pins."""

from __future__ import annotations

import io

from gpiozero import DigitalInputDevice
from gpiozero.pins.mock import MockFactory, MockPWMPin

from appliance.ops import handset_checks
from appliance.ops.doctor import run_doctor
from hardware.handset import HandsetPins

PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)


def test_free_pins_and_pins_someone_holds():
    factory = MockFactory()
    assert handset_checks.pins_free("desk-1", PINS, factory).ok
    holder = DigitalInputDevice(PINS.hook, pin_factory=factory)
    try:
        finding = handset_checks.pins_free("desk-1", PINS, factory)
    finally:
        holder.close()
    assert not finding.ok
    assert "sudo systemctl stop switchboard" in finding.message
    assert handset_checks.pins_free("desk-1", PINS, factory).ok     # nothing left open


def test_sound_cards_are_found_by_their_card_id(tmp_path):
    (tmp_path / "hs1").mkdir()
    good = handset_checks.sound_card("desk-1", ["plughw:CARD=hs1,DEV=0"] * 2, tmp_path)
    assert good.ok
    missing = handset_checks.sound_card("desk-2", ["plughw:CARD=hs2,DEV=0", None], tmp_path)
    assert not missing.ok
    assert "no sound card called hs2" in missing.message
    assert "udev rule" in missing.message
    assert "staff hear nothing" in handset_checks.sound_card("desk-3", [None, None]).message


def test_ringing_a_handset_for_a_moment_leaves_it_at_rest():
    factory = MockFactory(pin_class=MockPWMPin)
    finding = handset_checks.ring_once("desk-1", PINS, "ES", factory, seconds=0.05)
    assert finding.ok
    ring_mode = [bool(s.state) for s in factory.pin(PINS.ring_mode).states]
    assert True in ring_mode
    assert ring_mode[-1] is False


def test_doctor_checks_each_handset_of_the_settings_and_rings_the_one_asked(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(handset_checks, "RING_S", 0.05)
    monkeypatch.setattr("appliance.ops.system_checks.all_checks", lambda *a, **k: [])
    config = tmp_path / "switchboard.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[[lines]]\nid = "line-3"\nkind = "analog"\n'
                      'ata = "127.0.0.1"\n[sip]\nlisten = "lo"\n'
                      '[[handsets]]\nstation = "desk-1"\nhook = 27\nring_mode = 17\n'
                      'forward_reverse = 4\n')
    out = io.StringIO()
    code = run_doctor(config, [], out, ring="desk-1",
                      pin_factory=MockFactory(pin_class=MockPWMPin))
    text = out.getvalue()
    assert "Handset desk-1: GPIO pins RM 17, F/R 4, SHK 27 are free." in text
    assert "Handset desk-1: rang for 0.05 s." in text
    assert code == 0, text
    out = io.StringIO()
    assert run_doctor(config, [], out, ring="desk-9", pin_factory=MockFactory()) == 1
    assert "No handset 'desk-9' in the settings." in out.getvalue()
