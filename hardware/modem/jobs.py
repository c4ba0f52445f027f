"""What the modem's worker thread takes from its inbox, in order: the core's commands, the
modem's lines (typed URCs), and news from the port. One small type each, so the worker
dispatches on the type and a job carries exactly its own fields."""

from __future__ import annotations

from dataclasses import dataclass

from .urc import Urc


@dataclass(frozen=True)
class Answer:
    pass


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class RejectWaiting:
    pass


@dataclass(frozen=True)
class Dial:
    number: str


@dataclass(frozen=True)
class SendDtmf:
    digits: str


@dataclass(frozen=True)
class SendSms:
    number: str
    text: str


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Tick:
    """Nothing came before the next timer of the worker was due."""


@dataclass(frozen=True)
class PortLost:
    error: Exception


@dataclass(frozen=True)
class UrcIn:
    item: Urc


@dataclass(frozen=True)
class Released:
    """The hang-up asked by the core is done (queued behind what the modem said meanwhile)."""


Job = (Answer | Hangup | RejectWaiting | Dial | SendDtmf | SendSms | Stop | Tick | PortLost
       | UrcIn | Released)
