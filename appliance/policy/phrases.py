"""What the box itself says, in each language it speaks (the owner's texts are their own).

One language per appliance: a small office answers in one language. English and Spanish, the
two espeak-ng voices the product ships with (``speech.VOICES``).
"""

from __future__ import annotations

from enum import StrEnum


class Phrase(StrEnum):
    INVALID = "invalid"
    NO_INPUT = "no_input"
    VOICEMAIL = "voicemail"
    GOODBYE = "goodbye"
    CANNOT_TAKE = "cannot_take"
    NOT_IN_SERVICE = "not_in_service"
    CLOSED = "closed"
    ALL_BUSY = "all_busy"
    CALLBACK_OFFER = "callback_offer"      # "{key}": the team's callback key


PHRASES: dict[str, dict[Phrase, str]] = {
    "en": {
        Phrase.INVALID: "Sorry, that is not an option. ",
        Phrase.NO_INPUT: "Sorry, I did not hear a choice. ",
        Phrase.VOICEMAIL: "Please leave a message after the tone.",
        Phrase.GOODBYE: "Goodbye.",
        Phrase.CANNOT_TAKE: "Sorry, we cannot take your call now.",
        Phrase.NOT_IN_SERVICE: "This line is not in service.",
        Phrase.CLOSED: "We are closed.",
        Phrase.ALL_BUSY: "All our staff are busy. Please call again later.",
        Phrase.CALLBACK_OFFER: " To be called back instead, press {key}.",
    },
    "es": {
        Phrase.INVALID: "Lo sentimos, esa opción no existe. ",
        Phrase.NO_INPUT: "Lo sentimos, no hemos recibido ninguna opción. ",
        Phrase.VOICEMAIL: "Deje su mensaje después de la señal.",
        Phrase.GOODBYE: "Adiós.",
        Phrase.CANNOT_TAKE: "Lo sentimos, ahora no podemos atender su llamada.",
        Phrase.NOT_IN_SERVICE: "Esta línea no está en servicio.",
        Phrase.CLOSED: "Ahora estamos cerrados.",
        Phrase.ALL_BUSY: "Todos nuestros agentes están ocupados. Por favor, llame más tarde.",
        Phrase.CALLBACK_OFFER: " Si prefiere que le llamemos, pulse {key}.",
    },
}
LANGUAGES = tuple(PHRASES)


def phrase(language: str, key: Phrase) -> str:
    return PHRASES.get(language, PHRASES["en"])[key]
