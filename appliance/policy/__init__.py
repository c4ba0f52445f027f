"""Pure decisions, functions of (config, state, now): ring strategies, schedules, menus and the
box's own phrases. No I/O, no threads."""
