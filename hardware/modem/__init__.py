"""GSM modem driver: transport, AT protocol, GSM layer, dialect profiles."""
