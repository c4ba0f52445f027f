"""Fixtures shared by the integration tests."""

from .modem_rig import rig  # noqa: F401  (a fixture: a fake modem and the real driver)
