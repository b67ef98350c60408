import FastCGI
import FoundationEssentials
import Logging
import Synchronization

/// Method and path to handler, one log line and the metrics of every request.
public final class Router: Sendable {
    private let currentLogout: Mutex<LogoutHandler>
    private let metrics: LogoutMetrics
    private let logger: Logger
    private let scrapeTimeStats = Mutex<(@Sendable () -> ScrapeTimeStats)?>(nil)

    public init(logout: LogoutHandler, metrics: LogoutMetrics, logger: Logger) {
        currentLogout = Mutex(logout)
        self.metrics = metrics
        self.logger = logger
    }

    /// Swaps in a handler built from reloaded settings; requests already past the router keep the old one.
    public func replace(_ logout: LogoutHandler) {
        currentLogout.withLock { $0 = logout }
    }

    private var logout: LogoutHandler { currentLogout.withLock { $0 } }

    /// Where `/metrics` reads the transport's counters and the dropped log lines, once per scrape.
    public func readStats(from probe: @escaping @Sendable () -> ScrapeTimeStats) {
        scrapeTimeStats.withLock { $0 = probe }
    }

    /// What the router does with a request: answer it at once, or leave the logout's token check and
    /// revocation for the transport to run when it has room.
    public enum Reply: Sendable {
        case now(FastCGIResponse)
        case later(DeferredLogout)
    }

    /// Routes one request. Called on the transport's thread: never blocks; reads the request only
    /// during the call.
    public func respond(to transportRequest: borrowing some RequestView & ~Copyable) -> Reply {
        let started = ContinuousClock.now
        let request = LogoutRequest(transportRequest)
        let route = Route(path: request.path)
        let logout = self.logout
        let outcome: LogoutHandler.Outcome
        switch route {
        case .logout:
            guard request.method == "POST" else {
                outcome = notAllowed(logout, allow: "POST")
                break
            }
            switch logout.handle(request) {
            case .now(let answered):
                outcome = answered
            case .later(let whenOverloaded, let work):
                return .later(
                    DeferredLogout(whenOverloaded: whenOverloaded, work: work) { [self] outcome in
                        finish(outcome, request, .logout, started)
                    })
            }
        case .health:
            outcome = request.method == "GET" || request.method == "HEAD" ? health(logout) : notAllowed(logout, allow: "GET, HEAD")
        case .metrics:
            outcome = request.method == "GET" ? metricsExposition(logout) : notAllowed(logout, allow: "GET")
        case .unmatched:
            outcome = logout.failure(.notFound)
        }
        return .now(finish(outcome, request, route, started))
    }

    private func health(_ logout: LogoutHandler) -> LogoutHandler.Outcome {
        .init(response: FastCGIResponse(status: 200, headers: logout.baseHeaders, body: #"{"status":"ok"}"#), error: nil)
    }

    private func metricsExposition(_ logout: LogoutHandler) -> LogoutHandler.Outcome {
        let stats = scrapeTimeStats.withLock { $0?() } ?? ScrapeTimeStats()
        var headers = logout.baseHeaders
        headers[0] = .init("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        let body = metrics.exposition(stats)
        return .init(response: FastCGIResponse(status: 200, headers: headers, body: body), error: nil)
    }

    private func notAllowed(_ logout: LogoutHandler, allow: String) -> LogoutHandler.Outcome {
        var outcome = logout.failure(.methodNotAllowed)
        outcome.response.headers.append(.init("Allow", allow))
        return outcome
    }

    /// Records the request and hands its response back.
    private func finish(
        _ outcome: LogoutHandler.Outcome, _ request: LogoutRequest, _ route: Route, _ started: ContinuousClock.Instant
    ) -> FastCGIResponse {
        let duration = ContinuousClock.now - started
        metrics.recordRequest(route: route, status: outcome.response.status, duration: duration)
        if route == .logout, request.method == "POST" { metrics.recordLogout(outcome) }
        if route != .metrics && route != .health || logger.logLevel <= .debug {
            RequestLog.write(outcome, request: request, route: route, duration: duration, to: logger)
        }
        return outcome.response
    }
}
