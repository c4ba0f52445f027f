"""GSM modem driver: transport, AT protocol, GSM layer, one module per vendor dialect."""
