"""Running the box: the command line, assembly of real or simulated hardware, settings (TOML),
doctor and system checks, the sample office, the systemd watchdog, backup and restore."""
