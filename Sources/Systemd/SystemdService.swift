import FoundationEssentials
import Logging
import Synchronization

/// Keeps the service manager informed for `Type=notify` with `WatchdogSec=`: `READY=1` once the
/// process serves, `WATCHDOG=1` every half watchdog timeout while it is healthy, `STOPPING=1` as
/// soon as shutdown begins. Without `NOTIFY_SOCKET` it only waits for shutdown.
///
/// In a `ServiceGroup`, list it **last**: the group tells its services to shut down in reverse
/// order, so this one hears of it first and `STOPPING=1` goes out before the others drain. The
/// manager stops enforcing the watchdog once the unit leaves its running state, so the pings can
/// end there.
public final class SystemdService: Sendable {
    /// How readiness is awaited and reported.
    public struct Configuration: Sendable {
        /// How often `isHealthy` is asked before the first `READY=1`.
        public var readinessPollInterval: Duration
        /// How long the process may take to become healthy before ``SystemdService/run()`` gives up
        /// with ``SystemdServiceError/notReady(within:)``.
        public var readinessTimeout: Duration
        /// The `STATUS=` text sent with `READY=1`.
        public var readyStatus: String

        public init(
            readinessPollInterval: Duration = .milliseconds(10),
            readinessTimeout: Duration = .seconds(30),
            readyStatus: String = "serving"
        ) {
            self.readinessPollInterval = readinessPollInterval
            self.readinessTimeout = readinessTimeout
            self.readyStatus = readyStatus
        }
    }

    let notifier: SystemdNotifier
    let watchdog: SystemdWatchdog?
    let configuration: Configuration
    let isHealthy: @Sendable () -> Bool
    let logger: Logger
    private let hasAnnouncedStopping = Atomic<Bool>(false)

    /// - Parameters:
    ///   - notifier: where notifications go; one without a socket makes ``run()`` only wait for shutdown.
    ///   - watchdog: the manager's watchdog, or nil when `WatchdogSec=` is off.
    ///   - isHealthy: whether the process serves right now (for example: the transport's workers
    ///     and the HTTP client's loop are alive). Its first `true` sends `READY=1`; afterwards each
    ///     watchdog ping is sent only when it returns `true`, so a wedged process gets restarted.
    ///     Called from a task, so it must not block.
    public init(
        notifier: SystemdNotifier,
        watchdog: SystemdWatchdog?,
        configuration: Configuration = .init(),
        logger: Logger,
        isHealthy: @escaping @Sendable () -> Bool
    ) {
        self.notifier = notifier
        self.watchdog = watchdog
        self.configuration = configuration
        self.logger = logger
        self.isHealthy = isHealthy
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment` (the process's
    /// own by default; nothing is removed from it).
    public convenience init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: Configuration = .init(),
        logger: Logger,
        isHealthy: @escaping @Sendable () -> Bool
    ) {
        self.init(
            notifier: SystemdNotifier(environment: environment, logger: logger),
            watchdog: SystemdWatchdog(environment: environment),
            configuration: configuration,
            logger: logger,
            isHealthy: isHealthy)
    }

    /// Sends `STOPPING=1`, once however often shutdown is signalled.
    func announceStopping() {
        guard !hasAnnouncedStopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if notifier.stopping() {
            logger.debug("told the service manager the service is stopping")
        }
    }
}
