"""Each dialect module describes its models whole: the driver and the fake read the same one."""

from __future__ import annotations

import pytest

from hardware.modem import unsolicited, urc
from hardware.modem.dialects import FAMILIES, PROFILES, Dialect, detect

MODELS = [pytest.param(p, id=p.dialect.value) for p in PROFILES.values()]


@pytest.mark.parametrize("profile", MODELS)
def test_a_model_is_recognised_from_what_it_says_it_is(profile):
    assert detect(profile.manufacturer, profile.model) is profile.dialect


@pytest.mark.parametrize("profile", MODELS)
def test_the_urc_forms_a_model_prints_are_read_by_its_family_table(profile):
    digit = unsolicited.parse(profile.dtmf_urc.format(d="7", code=ord("7")))
    signal = unsolicited.parse(profile.signal_urc.format(rssi=17))
    assert (digit, signal) == (urc.Dtmf("7"), urc.Signal(17))


@pytest.mark.parametrize("profile", MODELS)
def test_a_models_status_lines_are_unsolicited_and_mean_nothing_to_a_call(profile):
    for line in profile.status:
        assert unsolicited.is_urc(line), line
        assert isinstance(unsolicited.parse(line), urc.Other | urc.Signal), line


def test_every_dialect_has_one_profile_in_one_family_and_no_family_reads_anothers_lines():
    assert sorted(PROFILES) == sorted(Dialect)
    heads = [head for family in FAMILIES for head in family.parsers]
    assert len(heads) == len(set(heads))
    assert not set(heads) & set(urc.PARSERS)


def test_an_unknown_modem_is_generic():
    assert detect("Telit", "LE910C1") is Dialect.GENERIC
