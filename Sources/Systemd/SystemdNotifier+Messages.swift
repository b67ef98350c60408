extension SystemdNotifier {
    /// `READY=1`, with a `STATUS=` line: start-up is finished and the service is serving.
    @discardableResult
    public func ready(status: String = "serving") -> Bool {
        notify("READY=1\nSTATUS=\(Self.singleLine(status))")
    }

    /// `STOPPING=1`: the service has begun shutting down.
    @discardableResult
    public func stopping() -> Bool {
        notify("STOPPING=1")
    }

    /// `WATCHDOG=1`: the service is alive; resets the manager's `WatchdogSec=` timer.
    @discardableResult
    public func watchdog() -> Bool {
        notify("WATCHDOG=1")
    }

    /// `STATUS=…`: a free-form line shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify("STATUS=\(Self.singleLine(text))")
    }

    /// A status text cannot span lines: each line of a notification is its own assignment.
    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
