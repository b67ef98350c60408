import Logging
import ServiceLifecycle

extension SystemdService: Service {
    /// Waits until `isHealthy` passes and sends `READY=1`; then, with a watchdog, sends `WATCHDOG=1`
    /// every half timeout while `isHealthy` passes. On graceful shutdown or cancellation it sends
    /// `STOPPING=1` at once and returns.
    ///
    /// - Throws: ``SystemdServiceError/notReady(within:)`` when the process never became healthy.
    public func run() async throws {
        guard notifier.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await withTaskCancellationOrGracefulShutdownHandler {
                try await cancelWhenGracefulShutdown { try await self.announceAndSupervise() }
            } onCancelOrGracefulShutdown: {
                self.announceStopping()
            }
        } catch is CancellationError {
            return
        }
    }

    private func announceAndSupervise() async throws {
        try await waitUntilHealthy()
        notifier.ready(status: configuration.readyStatus)
        logger.debug(
            "told the service manager the service is ready",
            metadata: ["systemd.watchdog": "\(watchdog.map { "\($0.timeout)" } ?? "off")"])
        guard let watchdog else {
            try await gracefulShutdown()
            return
        }
        try await pingWhileHealthy(every: watchdog.pingInterval)
    }

    private func waitUntilHealthy() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.readinessTimeout
        while !isHealthy() {
            guard clock.now < deadline else { throw SystemdServiceError.notReady(within: configuration.readinessTimeout) }
            try await Task.sleep(for: configuration.readinessPollInterval, clock: clock)
        }
    }

    private func pingWhileHealthy(every interval: Duration) async throws {
        let clock = ContinuousClock()
        var next = clock.now + interval
        while true {
            try await Task.sleep(until: next, clock: clock)
            if isHealthy() {
                notifier.watchdog()
            } else {
                logger.warning("health check failed; watchdog ping withheld so the service manager can restart the service")
            }
            // After a long suspension, the next ping is due one interval from now, not in a burst.
            next = max(next + interval, clock.now)
        }
    }
}
