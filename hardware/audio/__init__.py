"""Audio: ALSA and serial PCM ports, and on top of them a player, a bridge and a recorder."""
