"""Switchboard's core: the call engine, routing, schedules, menus, storage and assembly."""
