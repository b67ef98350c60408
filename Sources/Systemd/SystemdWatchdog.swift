import Glibc

/// The service manager's watchdog (`WatchdogSec=`), as `WATCHDOG_USEC` and `WATCHDOG_PID` pass it.
public struct SystemdWatchdog: Sendable, Equatable {
    /// How long the manager waits for a `WATCHDOG=1` before it treats the service as hung.
    public let timeout: Duration

    /// Pings go out at half the timeout, so one late ping does not cost the service its life.
    public var pingInterval: Duration { timeout / 2 }

    /// A watchdog with a known timeout.
    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Reads `WATCHDOG_USEC` (microseconds, more than 0) from `environment`; nil when it is unset
    /// or malformed, or when `WATCHDOG_PID` is set to another process than `processID`.
    public init?(environment: [String: String], processID: Int32 = getpid()) {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0,
            microseconds <= UInt64(Int64.max)
        else { return nil }
        if let owner = environment["WATCHDOG_PID"] {
            guard let pid = Int32(owner), pid == processID else { return nil }
        }
        self.init(timeout: .microseconds(Int64(microseconds)))
    }
}
