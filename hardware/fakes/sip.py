"""The demo's SIP half: the box's real baresip with its analog lines and SIP desks, and a second
real baresip on loopback playing the ATA (its FXO port forwarding each call) and the phones.

The box's side is the production code (``hardware.sip``). The far side is simulated only in
who presses the buttons: the page's "incoming call" makes the ATA dial the line from an
account named after the caller's number (so the INVITE's From carries it, as an HT813 does),
keys are RFC 2833 events, hanging up is a BYE, and lifting a SIP desk answers its INVITE.
Both sides' audio goes through each account's pipes; the far end says a sentence from the
start of each call (``voices``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from hardware.interfaces import BadInput, OutOfService
from hardware.sentences import said
from hardware.sip.baresip import (
    Baresip,
    BaresipConfig,
    BaresipFailed,
    loopback_config,
    user_of,
)
from hardware.sip.control import Event
from hardware.sip.hub import SipHub, SipRoles
from hardware.sip.lines import SipLine
from hardware.sip.pcm import Pump, SipPort
from hardware.sip.stations import SipStation
from hardware.sip.trunk import SipTrunk

log = logging.getLogger(__name__)

BOX_RTP, FAR_RTP = 10000, 10100
ATA = "ata"                       # the far side's account whose pipes every caller uses
INVITE_WAIT_S = 2.0


class FarSide:
    """The ATA and the phones: one baresip with an account per phone and one per caller."""

    def __init__(self, directory: Path, phones: list[str]) -> None:
        self.config = loopback_config(ATA, *phones, rtp=FAR_RTP, pipes=True)
        self.phones = phones
        self._baresip = Baresip(self.config, directory, on_event=self._event, name="far-sip")
        self._pump: Pump | None = None
        self._callers: set[str] = set()            # caller accounts made so far
        self.ringing: dict[str, str] = {}          # phone -> baresip's id of the call
        self._lock = threading.Condition()

    def start(self, voices: dict[str, bytes]) -> None:
        """``voices``: what the caller (``ATA``) and each phone say from each call's start."""
        self._pump = Pump(self._baresip.directory, self.config.accounts, name="far-sip",
                          voices=voices)
        self._pump.start()
        self._baresip.start()

    def port(self, user: str) -> SipPort:
        """What ``user`` (``ATA`` or a phone) hears, read 20 ms at a time (tests)."""
        assert self._pump is not None
        return self._pump.port(user)

    def phone_uri(self, phone: str) -> str:
        return f"sip:{phone}@127.0.0.1:{self.config.sip_port}"

    def dial(self, caller: str, target: str) -> None:
        """The ATA forwards a call from ``caller`` to ``target`` (the box's line)."""
        aor = self._caller_aor(caller)
        if caller not in self._callers:
            audio = f";audio_source=alsa,sip-{ATA}-in;audio_player=alsa,sip-{ATA}-out"
            self._do("uanew", f"<{aor}>;regint=0;answermode=manual{audio}")
            self._callers.add(caller)
        self._on(aor, "dial", target)

    def keys(self, caller: str, digits: str) -> None:
        for digit in digits:
            self._on(self._caller_aor(caller), "sndcode", digit)

    def hang_up(self, caller: str) -> None:
        self._on(self._caller_aor(caller), "hangup")

    def answer(self, phone: str) -> bool:
        """Pick up the ringing ``phone``; False if no INVITE reached it (waits a moment: the
        box shows a desk ringing as soon as it sends the INVITE)."""
        with self._lock:
            if not self._lock.wait_for(lambda: phone in self.ringing, timeout=INVITE_WAIT_S):
                return False
        self._on(self.config.aor(phone), "accept")
        return True

    def put_down(self, phone: str) -> None:
        self._on(self.config.aor(phone), "hangup")

    def close(self) -> None:
        self._baresip.close()
        if self._pump is not None:
            self._pump.close()

    def _caller_aor(self, caller: str) -> str:
        return f"sip:{caller}@127.0.0.1:{self.config.sip_port}"

    def _on(self, aor: str, command: str, params: str = "") -> None:
        self._do("uafind", aor)
        self._do(command, params)

    def _do(self, command: str, params: str = "") -> None:
        try:
            reply = self._baresip.command(command, params).result(timeout=5)
        except (ConnectionError, TimeoutError) as exc:
            raise OutOfService(f"the simulated ATA is not answering ({exc})") from exc
        if not reply.ok:
            raise OutOfService(f"the simulated ATA could not {command}: {reply.data}")

    def _event(self, event: Event) -> None:
        """A phone's calls use its own pipes; every caller's use the ATA's."""
        user = user_of(event.account)
        if user in self.phones:
            with self._lock:
                if event.type == "CALL_INCOMING":
                    self.ringing[user] = event.call
                elif event.type == "CALL_CLOSED" and self.ringing.get(user) == event.call:
                    del self.ringing[user]
                self._lock.notify_all()
        if self._pump is not None and event.call:
            self._pump.track(user if user in self.phones else ATA, event.call,
                             ended=event.type == "CALL_CLOSED")


class SimulatedSip:
    """The box's baresip (``SipHub``) for ``lines`` and ``stations``, and the far side that
    calls them and answers for them. Lines accept calls only from 127.0.0.1, the far side."""

    def __init__(self, directory: Path, lines: list[str], stations: list[str], *,
                 trunks: list[str] = ()) -> None:
        """``trunks``: the lines (of any kind) that may hand callers to a PBX."""
        self.lines, self.stations, self.trunks = list(lines), list(stations), list(trunks)
        self.far = FarSide(directory / "far", self.stations)
        roles = SipRoles(tuple(lines), tuple(stations), tuple(trunks))
        box: BaresipConfig = loopback_config(*roles.users(), rtp=BOX_RTP, pipes=True)
        self.hub = SipHub(box, directory / "box", name="box-sip", roles=roles)
        self.calling: dict[str, str] = {}          # line -> the caller the ATA put through

    def start(self, caller_says: bytes = b"", desk_says: bytes = b"") -> str | None:
        """Start both baresips; None, or why not (the lines and desks then show it)."""
        try:
            self.far.start({ATA: caller_says, **dict.fromkeys(self.stations, desk_says)})
        except (BaresipFailed, OSError) as exc:
            self.hub.failure = said(exc)
        else:
            self.hub.start_or_note()
        return self.hub.failure

    def ports(self) -> dict[str, SipPort]:
        """The audio engine's ports for these lines, desks and legs to a PBX."""
        return self.hub.ports()

    def line_driver(self, line_id: str) -> SipLine:
        return self.hub.line(line_id, ata_host="127.0.0.1")

    def station_driver(self, station_id: str) -> SipStation:
        return self.hub.station(station_id, self.far.phone_uri(station_id))

    def trunk_driver(self, line_id: str) -> SipTrunk | None:
        return self.hub.trunk(line_id) if line_id in self.trunks else None

    def close(self) -> None:
        self.hub.close()
        self.far.close()

    # -- what the page's buttons do ---------------------------------------------------------

    def ata(self, line_id: str) -> AtaPort:
        """The ATA's FXO port for ``line_id``, pressed as the fake modems are."""
        return AtaPort(self, line_id)

    def offhook(self, station_id: str) -> None:
        if not self.far.answer(station_id):
            raise OutOfService(f"The SIP desk '{station_id}' is not ringing: a SIP phone "
                               "can only be lifted to answer a call.")

    def onhook(self, station_id: str) -> None:
        self.far.put_down(station_id)



class AtaPort:
    """What the simulation presses for one analog line (as ``FakeLine``: ring, press, hang
    up): the caller's call goes through the far side's baresip as a real SIP call."""

    def __init__(self, sip: SimulatedSip, line_id: str) -> None:
        self._sip, self._line = sip, line_id

    def ring(self, caller: str) -> None:
        self._sip.calling[self._line] = caller
        self._sip.far.dial(caller, self._sip.hub.config.aor(self._line))

    def press(self, digits: str) -> None:
        self._sip.far.keys(self._caller(), digits)

    def caller_hangs_up(self) -> None:
        self._sip.far.hang_up(self._caller())

    def _caller(self) -> str:
        caller = self._sip.calling.get(self._line)
        if caller is None:
            raise BadInput("line", f"No call was put through on '{self._line}'.")
        return caller

