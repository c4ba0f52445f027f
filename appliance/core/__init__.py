"""The call engine: the one core thread that owns all call, line and agent state (``engine``),
a call's flow (``calls``), offers to agents (``offers``), what those two share (``office``),
timers, the clock and the published snapshot. Imports point one way: engine → calls →
offers → office → state."""
