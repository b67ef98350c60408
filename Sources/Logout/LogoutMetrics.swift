import HTTPClient
import Prometheus
import SupabaseAuth
import Synchronization

/// Every metric the responder exports, created once at start-up so the request path only looks
/// them up in fixed tables. Labels come from the route template and the contract's codes, never
/// from the raw request. Each family carries its `# HELP` line, as scrapers and `promtool` expect.
public final class LogoutMetrics: Sendable {
    public static let statuses = [200, 400, 401, 403, 404, 405, 413, 500, 503]

    private static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private let registry: PrometheusCollectorRegistry
    private let requests: [Route: [Int: Counter]]
    private let requestDuration: [Route: DurationHistogram]
    private let outcomes: [String: Counter]
    private let upstreamDuration: DurationHistogram
    private let upstreamAttempts: Counter
    private let upstreamRetries: Counter
    private let upstreamFailures: [String: Counter]
    private let upstreamErrors: [String: Counter]
    private let revocations: [String: Counter]
    private let jwksFetches: [Bool: Counter]
    private let inFlight: Gauge
    private let capacity: Gauge
    private let transport: TransportGauges
    private let droppedLogLines: Counter
    /// Counters read at scrape time move by the difference to what the last scrape saw.
    private let lastScraped = Mutex<(droppedLogLines: Int, closedForBudget: Int)>((0, 0))

    public init(registry: PrometheusCollectorRegistry, version: String) {
        self.registry = registry
        (requests, requestDuration) = Self.requestMetrics(registry)
        outcomes = Self.counters(
            registry, Self.name("logout_outcomes", "total", help: "Logouts by result: success or the error code answered."),
            label: "code", values: ["success"] + LogoutError.allCases.map(\.rawValue))
        upstreamDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "logout_upstream_duration", "seconds", help: "Time spent on one revocation at Supabase Auth, retries included."),
            labels: [], buckets: Self.durationBuckets)
        upstreamAttempts = registry.makeCounter(
            descriptor: Self.name(
                "logout_upstream_attempts", "total", help: "Requests sent to Supabase Auth's logout and token-refresh endpoints."))
        upstreamRetries = registry.makeCounter(
            descriptor: Self.name("logout_upstream_retries", "total", help: "Revocation attempts that repeated a failed one."))
        upstreamFailures = Self.counters(
            registry,
            Self.name(
                "logout_upstream_failures", "total",
                help: "Revocations that failed: Supabase Auth unavailable, rate-limiting us, refusing our configuration, or its TLS certificate not verified."),
            label: "reason", values: RevocationOutcome.RevocationFailure.allCases.map(\.rawValue))
        upstreamErrors = Self.counters(
            registry,
            Self.name(
                "logout_upstream_errors", "total",
                help: "Revocations whose last attempt got no answer from Supabase Auth, by why (TLS failures by cause)."),
            label: "error", values: HTTPClientError.knownDescriptions + ["other"])
        revocations = Self.counters(
            registry,
            Self.name(
                "logout_revocations", "total",
                help: "Sessions sent to Supabase Auth, by outcome: revoked, refreshed (revoked with a fresh token from the refresh token), session_dead, or the failure."),
            label: "outcome",
            values: ["revoked", "refreshed", "session_dead"] + RevocationOutcome.RevocationFailure.allCases.map(\.rawValue))
        let jwksName = Self.name("logout_jwks_fetches", "total", help: "JWKS loads (fetches or file reads), by result.")
        jwksFetches = [
            true: registry.makeCounter(descriptor: jwksName, labels: [("result", "success")]),
            false: registry.makeCounter(descriptor: jwksName, labels: [("result", "failure")]),
        ]
        (inFlight, capacity, droppedLogLines) = Self.processMetrics(registry, version: version)
        transport = TransportGauges(registry)
    }

    /// The FastCGI socket's budget: connections held, request bytes buffered, connections closed for it.
    private struct TransportGauges {
        let openConnections: Gauge
        let bufferedBytes: Gauge
        let closedForBudget: Counter

        init(_ registry: PrometheusCollectorRegistry) {
            openConnections = registry.makeGauge(
                descriptor: LogoutMetrics.name(
                    "logout_fastcgi_open", "connections",
                    help: "FastCGI connections open now: waiting for a request, kept alive, being answered or written to."))
            bufferedBytes = registry.makeGauge(
                descriptor: LogoutMetrics.name(
                    "logout_fastcgi_buffered", "bytes",
                    help: "Request bytes the FastCGI connections hold now (LOGOUT_MAX_BUFFERED_BYTES at most)."))
            closedForBudget = registry.makeCounter(
                descriptor: LogoutMetrics.name(
                    "logout_fastcgi_closed_for_budget", "total",
                    help: "FastCGI connections closed because LOGOUT_MAX_BUFFERED_BYTES or LOGOUT_MAX_CONNECTIONS was reached."))
        }
    }

    /// Requests by route template and status, and their durations by route template.
    private static func requestMetrics(
        _ registry: PrometheusCollectorRegistry
    ) -> ([Route: [Int: Counter]], [Route: DurationHistogram]) {
        let requestsName = name("logout_http_requests", "total", help: "HTTP requests answered, by route template and status.")
        let durationName = name(
            "logout_http_request_duration", "seconds", help: "Time from reading a request to its answer, by route template.")
        var requests: [Route: [Int: Counter]] = [:]
        var requestDuration: [Route: DurationHistogram] = [:]
        for route in Route.allCases {
            var byStatus: [Int: Counter] = [:]
            for status in statuses {
                byStatus[status] = registry.makeCounter(
                    descriptor: requestsName, labels: [("route", route.label), ("status", String(status))])
            }
            requests[route] = byStatus
            requestDuration[route] = registry.makeDurationHistogram(
                descriptor: durationName, labels: [("route", route.label)], buckets: durationBuckets)
        }
        return (requests, requestDuration)
    }

    /// One counter per value of `label`, by that value.
    private static func counters(
        _ registry: PrometheusCollectorRegistry, _ descriptor: MetricNameDescriptor, label: String, values: [String]
    ) -> [String: Counter] {
        var counters: [String: Counter] = [:]
        for value in values { counters[value] = registry.makeCounter(descriptor: descriptor, labels: [(label, value)]) }
        return counters
    }

    /// The slots in use and available, the dropped log lines, and the build's version (always 1).
    private static func processMetrics(
        _ registry: PrometheusCollectorRegistry, version: String
    ) -> (inFlight: Gauge, capacity: Gauge, droppedLogLines: Counter) {
        let inFlight = registry.makeGauge(
            descriptor: LogoutMetrics.name("logout_inflight", "requests", help: "Requests holding a slot now, waiting on Supabase Auth included."))
        let capacity = registry.makeGauge(
            descriptor: LogoutMetrics.name("logout_inflight", "capacity", help: "Slots available; past them requests get 503 overloaded."))
        let droppedLogLines = registry.makeCounter(
            descriptor: LogoutMetrics.name("logout_log_lines_dropped", "total", help: "Log lines dropped because the log buffer was full."))
        registry.makeGauge(
            descriptor: LogoutMetrics.name("logout_build", "info", help: "Always 1; the version label names the running build."),
            labels: [("version", version)]
        ).set(to: 1.0)
        return (inFlight, capacity, droppedLogLines)
    }

    private static func name(_ metric: String, _ unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts one answered request.
    func recordRequest(route: Route, status: Int, duration: Duration) {
        requests[route]?[status]?.increment()
        requestDuration[route]?.record(duration)
    }

    /// Counts one logout by its result code (`success` or the error code).
    func recordLogout(_ outcome: LogoutHandler.Outcome) {
        outcomes[outcome.error?.rawValue ?? "success"]?.increment()
        for revocation in outcome.revocations {
            upstreamDuration.record(revocation.duration)
            upstreamAttempts.increment(by: Int64(revocation.attempts))
            if revocation.retries > 0 { upstreamRetries.increment(by: Int64(revocation.retries)) }
            if let error = revocation.transferError {
                (upstreamErrors[error.description] ?? upstreamErrors["other"])?.increment()
            }
            switch revocation.result {
            case .revoked: revocations[revocation.refreshed ? "refreshed" : "revoked"]?.increment()
            case .sessionDead: revocations["session_dead"]?.increment()
            case .failed(let reason):
                revocations[reason.rawValue]?.increment()
                upstreamFailures[reason.rawValue]?.increment()
            }
        }
    }

    /// Counts one JWKS fetch.
    public func recordJWKSFetch(succeeded: Bool) {
        jwksFetches[succeeded]?.increment()
    }

    /// The Prometheus text exposition, with the gauges and counters kept outside the router read
    /// at scrape time.
    func exposition(_ stats: ScrapeTimeStats) -> String {
        inFlight.set(to: Double(stats.inFlight))
        capacity.set(to: Double(stats.capacity))
        transport.openConnections.set(to: Double(stats.openConnections))
        transport.bufferedBytes.set(to: Double(stats.bufferedBytes))
        lastScraped.withLock { last in
            droppedLogLines.increment(by: Int64(max(0, stats.droppedLogLines - last.droppedLogLines)))
            transport.closedForBudget.increment(by: Int64(max(0, stats.connectionsClosedForBudget - last.closedForBudget)))
            last = (max(last.droppedLogLines, stats.droppedLogLines), max(last.closedForBudget, stats.connectionsClosedForBudget))
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
