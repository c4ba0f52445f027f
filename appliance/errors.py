"""Errors that cross from the appliance to the web layer, each mapped to one HTTP status,
and ``Text``: the sentences they carry, translatable by the page."""

from __future__ import annotations

from hardware.sentences import N_, Text

__all__ = ["N_", "ApplianceError", "Conflict", "NotFound", "Text", "Unavailable",
           "ValidationError"]


class ApplianceError(Exception):
    """Base class: ``message`` is a sentence a person can act on."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ApplianceError):
    """Bad input: nothing was stored. ``fields`` maps a field path to what is wrong with it."""

    status = 400

    def __init__(self, fields: dict[str, str],
                 message: str = Text("Some fields are not valid.")) -> None:
        super().__init__(message)
        self.fields = fields


class NotFound(ApplianceError):
    status = 404


class Conflict(ApplianceError):
    """The change is well formed but clashes with what exists (an id in use, a reference)."""

    status = 409


class Unavailable(ApplianceError):
    """The core did not answer in time or is shutting down."""

    status = 503
