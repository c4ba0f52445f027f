"""SIP through baresip: a supervised baresip process driven over its ctrl_tcp socket."""
