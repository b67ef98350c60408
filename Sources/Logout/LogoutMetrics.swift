import CoreMetrics
import Prometheus

/// Every metric the responder exports, created once at start-up so the request path only looks
/// them up in fixed tables. Labels come from the route template and the contract's codes, never
/// from the raw request.
public final class LogoutMetrics: Sendable {
    public static let statuses = [200, 400, 401, 403, 404, 405, 413, 500, 503]

    private let registry: PrometheusCollectorRegistry
    private let requests: [Route: [Int: CoreMetrics.Counter]]
    private let requestDuration: [Route: CoreMetrics.Timer]
    private let outcomes: [String: CoreMetrics.Counter]
    private let upstreamDuration: CoreMetrics.Timer
    private let upstreamAttempts: CoreMetrics.Counter
    private let upstreamRetries: CoreMetrics.Counter
    private let upstreamFailures: [String: CoreMetrics.Counter]
    private let jwksFetches: [Bool: CoreMetrics.Counter]
    private let inFlight: CoreMetrics.Gauge
    private let capacity: CoreMetrics.Gauge

    public init(registry: PrometheusCollectorRegistry, version: String) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        var requests: [Route: [Int: CoreMetrics.Counter]] = [:]
        var requestDuration: [Route: CoreMetrics.Timer] = [:]
        for route in Route.allCases {
            var byStatus: [Int: CoreMetrics.Counter] = [:]
            for status in Self.statuses {
                byStatus[status] = Counter(
                    label: "logout_http_requests_total",
                    dimensions: [("route", route.label), ("status", String(status))], factory: factory)
            }
            requests[route] = byStatus
            requestDuration[route] = Timer(
                label: "logout_http_request_duration_seconds", dimensions: [("route", route.label)], factory: factory)
        }
        self.requests = requests
        self.requestDuration = requestDuration
        var outcomes: [String: CoreMetrics.Counter] = [:]
        for code in ["success"] + LogoutError.allCases.map(\.rawValue) {
            outcomes[code] = Counter(label: "logout_outcomes_total", dimensions: [("code", code)], factory: factory)
        }
        self.outcomes = outcomes
        upstreamDuration = Timer(label: "logout_upstream_duration_seconds", dimensions: [], factory: factory)
        upstreamAttempts = Counter(label: "logout_upstream_attempts_total", dimensions: [], factory: factory)
        upstreamRetries = Counter(label: "logout_upstream_retries_total", dimensions: [], factory: factory)
        var upstreamFailures: [String: CoreMetrics.Counter] = [:]
        for reason in ["unavailable", "rejected_configuration"] {
            upstreamFailures[reason] = Counter(
                label: "logout_upstream_failures_total", dimensions: [("reason", reason)], factory: factory)
        }
        self.upstreamFailures = upstreamFailures
        jwksFetches = [
            true: Counter(label: "logout_jwks_fetches_total", dimensions: [("result", "success")], factory: factory),
            false: Counter(label: "logout_jwks_fetches_total", dimensions: [("result", "failure")], factory: factory),
        ]
        inFlight = Gauge(label: "logout_inflight_requests", dimensions: [], factory: factory)
        capacity = Gauge(label: "logout_inflight_capacity", dimensions: [], factory: factory)
        Gauge(label: "logout_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    /// Counts one answered request.
    func recordRequest(route: Route, status: Int, duration: Duration) {
        requests[route]?[status]?.increment()
        requestDuration[route]?.recordNanoseconds(duration.nanoseconds)
    }

    /// Counts one logout by its result code (`success` or the error code).
    func recordLogout(_ outcome: LogoutHandler.Outcome) {
        outcomes[outcome.error?.rawValue ?? "success"]?.increment()
        guard let revocation = outcome.revocation else { return }
        upstreamDuration.recordNanoseconds(revocation.duration.nanoseconds)
        upstreamAttempts.increment(by: Int64(revocation.attempts))
        if revocation.attempts > 1 { upstreamRetries.increment(by: Int64(revocation.attempts - 1)) }
        if case .failed(let reason) = revocation.result { upstreamFailures[reason.rawValue]?.increment() }
    }

    /// Counts one JWKS fetch.
    public func recordJWKSFetch(succeeded: Bool) {
        jwksFetches[succeeded]?.increment()
    }

    /// The Prometheus text exposition, with the in-flight gauges read at scrape time.
    func exposition(inFlight current: Int, capacity limit: Int) -> String {
        inFlight.record(current)
        capacity.record(limit)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
