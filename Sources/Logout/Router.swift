import FastCGI
import Foundation
import Logging
import Synchronization

/// Method and path to handler, one log line and the metrics of every request.
public final class Router: FastCGIResponder {
    private let currentLogout: Mutex<LogoutHandler>
    private let metrics: LogoutMetrics
    private let logger: Logger
    private let inFlight = Mutex<(@Sendable () -> (current: Int, capacity: Int))?>(nil)

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

    /// Where `/metrics` reads the requests in flight and the slot capacity (the transport's counters).
    public func readInFlight(from probe: @escaping @Sendable () -> (current: Int, capacity: Int)) {
        inFlight.withLock { $0 = probe }
    }

    public func respond(to fastCGIRequest: borrowing FastCGIRequest) -> FastCGIReply {
        let started = ContinuousClock.now
        let request = LogoutRequest(fastCGIRequest)
        let route = Route(path: request.path)
        let logout = self.logout
        switch route {
        case .logout:
            guard request.method == "POST" else {
                return .now(finish(notAllowed(logout, allow: "POST"), request, route, started))
            }
            switch logout.handle(request) {
            case .now(let outcome):
                return .now(finish(outcome, request, route, started))
            case .later(let whenOverloaded, let work):
                return .later(
                    whenOverloaded: { [self] in
                        finish(.init(response: whenOverloaded, error: .overloaded), request, route, started)
                    },
                    work: { [self] in
                        finish(await work(), request, route, started)
                    })
            }
        case .health:
            guard request.method == "GET" || request.method == "HEAD" else {
                return .now(finish(notAllowed(logout, allow: "GET, HEAD"), request, route, started))
            }
            let response = FastCGIResponse(status: 200, headers: logout.baseHeaders, body: #"{"status":"ok"}"#)
            return .now(finish(.init(response: response, error: nil), request, route, started))
        case .metrics:
            guard request.method == "GET" else {
                return .now(finish(notAllowed(logout, allow: "GET"), request, route, started))
            }
            let (current, capacity) = inFlight.withLock { $0?() } ?? (0, 0)
            var headers = logout.baseHeaders
            headers[0] = .init("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            let response = FastCGIResponse(
                status: 200, headers: headers, body: metrics.exposition(inFlight: current, capacity: capacity))
            return .now(finish(.init(response: response, error: nil), request, route, started))
        case .unmatched:
            return .now(finish(logout.failure(.notFound), request, route, started))
        }
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
