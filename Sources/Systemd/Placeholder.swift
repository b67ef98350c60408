// The systemd notification protocol.
