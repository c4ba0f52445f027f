"""`switchboard doctor` against pty fake modems: what it reports and what it tells people."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from appliance.ops import system_checks
from appliance.ops.cli import main
from appliance.ops.doctor import devices_from_config, run_doctor
from hardware.fakes.modem import Dialect, FakeModem
from hardware.modem.probe import candidate_ports, holders, modem_manager_running


@pytest.fixture(autouse=True)
def quiet_system(mocker):
    """The box's own checks are tested in tests/unit/test_system_checks.py."""
    mocker.patch("appliance.ops.system_checks.all_checks",
                 return_value=[system_checks.Finding(True, "Service: fine.")])


@pytest.fixture
def modem(request):
    kwargs = getattr(request, "param", {})
    fake = FakeModem(kwargs.pop("dialect", Dialect.EC25), **kwargs)
    fake.start()
    yield fake
    fake.close()


def doctor(*devices: str) -> tuple[int, str]:
    out = io.StringIO()
    return run_doctor(None, list(devices), out), out.getvalue()


def test_a_healthy_modem_is_described(modem, mocker):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    code, text = doctor(modem.path)
    assert code == 0
    for expected in ("Model     EC25", "Maker     Quectel", "IMEI      862000000000001",
                     "SIM       READY", "ICCID     8934071100000000001", "Operator  movistar",
                     "Network   registered (home)", "Signal    -73 dBm", "All modems look fine."):
        assert expected in text
    assert not any(c.startswith("AT+CPIN=") for c in modem.commands)


@pytest.mark.parametrize("modem", [{"dialect": Dialect.SIM7600, "pin": "1234"}], indirect=True)
def test_a_pin_locked_sim_is_explained_and_no_pin_is_tried(modem, mocker):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    code, text = doctor(modem.path)
    assert code == 1
    assert "The SIM asks for a PIN" in text
    assert not any(c.startswith("AT+CPIN=") for c in modem.commands)


@pytest.mark.parametrize("modem", [{"registered": 3}], indirect=True)
def test_a_denied_registration_is_explained(modem, mocker):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    code, text = doctor(modem.path)
    assert code == 1
    assert "Not registered (registration denied)" in text


def test_a_missing_device_and_a_silent_one(tmp_path, mocker):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    wedged = FakeModem(Dialect.HUAWEI)
    wedged.start()
    wedged.wedge(True)
    try:
        code, text = doctor(str(tmp_path / "ttyUSB9"), wedged.path)
    finally:
        wedged.close()
    assert code == 1
    assert "does not exist: is the modem plugged in" in text
    assert "The modem does not answer" in text


def test_modem_manager_is_reported_with_the_fix(modem, mocker):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=True)
    code, text = doctor(modem.path)
    assert code == 1
    assert "sudo systemctl disable --now ModemManager" in text


def test_modem_manager_detection_reads_proc(tmp_path):
    (tmp_path / "12").mkdir()
    (tmp_path / "12" / "comm").write_text("bash\n")
    assert not modem_manager_running(tmp_path)
    (tmp_path / "34").mkdir()
    (tmp_path / "34" / "comm").write_text("ModemManager\n")
    assert modem_manager_running(tmp_path)


def test_devices_come_from_the_config_file(tmp_path, modem, mocker, capsys):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    config = tmp_path / "switchboard.toml"
    config.write_text(f'[[lines]]\nid = "line-1"\ndevice = "{modem.path}"\n\n'
                      '[[lines]]\nid = "line-2"\n')
    assert devices_from_config(config) == [modem.path]
    assert main(["doctor", "--config", str(config)]) == 0
    assert f"Modem on {modem.path}" in capsys.readouterr().out


def test_a_box_with_only_analog_lines_looks_for_no_modem(tmp_path, mocker, capsys):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    config = tmp_path / "switchboard.toml"
    config.write_text('[sip]\nlisten = "lo"\n[[lines]]\nid = "line-3"\nkind = "analog"\n'
                      'ata = "127.0.0.1"\n')
    assert main(["doctor", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "No modem found" not in out
    assert "All looks fine." in out


def test_only_each_modem_s_at_port_is_probed(tmp_path):
    """A SIM7600 shows five ports and an EC25 four; only interface 02 speaks AT for us. A
    device with one port, or no interface 02, has each of its ports probed."""
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    names = [f"usb-SimTech__Incorporated_SimTech__Incorporated_0123-if0{n}-port0"
             for n in range(5)]
    names += [f"usb-Quectel_EC25_0000-if0{n}-port0" for n in range(4)]
    names += ["usb-Acme_Modem_42-if00", "usb-FTDI_FT232R_A1B2"]
    for name in names:
        (by_id / name).symlink_to("/dev/null")
    assert candidate_ports(by_id) == sorted(str(by_id / name) for name in (
        names[2], names[7], "usb-Acme_Modem_42-if00", "usb-FTDI_FT232R_A1B2"))


@pytest.fixture
def held_by(tmp_path):
    """Another process, named as given, that keeps a device open until the test ends."""
    started = []

    def hold(name: str, device: str) -> subprocess.Popen:
        program = tmp_path / name            # the process's name is its program's file name
        program.symlink_to(sys.executable)
        proc = subprocess.Popen(  # noqa: S603 - our own python, fixed arguments
            [program, "-c", "import sys; f = open(sys.argv[1], 'rb'); print('open', flush=True);"
             " sys.stdin.read()", device], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        started.append(proc)
        assert proc.stdout.readline() == "open\n"
        return proc

    yield hold
    for proc in started:
        proc.stdin.close()
        proc.wait(5)
        proc.stdout.close()


@pytest.mark.parametrize(("holder", "code", "said"), [
    ("switchboard", 0, "In use by the running Switchboard service (switchboard (pid"),
    ("minicom", 1, "! In use by minicom (pid"),
])
def test_a_port_in_use_is_not_probed(modem, mocker, held_by, holder, code, said):
    mocker.patch("appliance.ops.doctor.modem_manager_running", return_value=False)
    proc = held_by(holder, modem.path)
    assert holders(modem.path) == [f"{holder} (pid {proc.pid})"]
    result, text = doctor(modem.path)
    assert result == code
    assert said in text
    assert modem.commands == []            # not a byte sent into someone else's session
