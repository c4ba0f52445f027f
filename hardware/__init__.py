"""Drivers for the appliance's devices and their simulated twins (``hardware.fakes``)."""
