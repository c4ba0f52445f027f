"""The call engine: the one core thread that owns all call, line and agent state, a call's flow,
offers to agents, timers, the clock and the published snapshot."""
