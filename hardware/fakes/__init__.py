"""Simulated hardware shared by the tests and ``switchboard demo``.

The fakes implement the same driver protocols as the real devices (``hardware.interfaces``) so
the core cannot tell them apart.
"""
