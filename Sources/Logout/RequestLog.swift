import Crypto
import FoundationEssentials
import HTTPClient
import Logging
import POSIXSupport

/// The one log line of a request: what happened, never a token, cookie or CSRF value.
enum RequestLog {
    static func write(
        _ outcome: LogoutHandler.Outcome, request: LogoutRequest, route: Route, duration: Duration, to logger: Logger
    ) {
        var metadata: Logger.Metadata = [
            "http.method": .string(request.method),
            "http.route": .string(route.label),
            "http.status": .stringConvertible(outcome.response.status),
            "duration_ms": milliseconds(duration),
        ]
        if let id = request.requestID { metadata["request.id"] = .string(id) }
        if let error = outcome.error { metadata["logout.code"] = .string(error.rawValue) }
        if let revocation = outcome.revocations.last {
            metadata["upstream.attempts"] = .stringConvertible(outcome.revocations.reduce(0) { $0 + $1.attempts })
            metadata["upstream.duration_ms"] = milliseconds(outcome.revocations.reduce(.zero) { $0 + $1.duration })
            if let status = revocation.upstreamStatus { metadata["upstream.status"] = .stringConvertible(status) }
            if let code = revocation.upstreamErrorCode { metadata["upstream.code"] = .string(code) }
            if let error = revocation.transferError { metadata["upstream.error"] = .string(error.description) }
            if outcome.revocations.contains(where: \.refreshed) { metadata["upstream.refreshed"] = "true" }
            if outcome.revocations.count > 1 { metadata["logout.sessions"] = .stringConvertible(outcome.revocations.count) }
        }
        if let claims = outcome.claims { metadata["session.hash"] = .string(sessionHash(claims.sessionID)) }

        if outcome.revocations.contains(where: { $0.result == .failed(.rejectedConfiguration) }) {
            logger.error("Supabase Auth refused the request: check SUPABASE_URL and SUPABASE_ANON_KEY", metadata: metadata)
        } else if let error = outcome.revocations.lazy.compactMap(\.transferError).first(where: \.isTLSFailure) {
            // Nothing reached Supabase Auth; the line says why in words, `upstream.error` as a label.
            logger.error("no TLS connection to Supabase Auth: \(error.explanation)", metadata: metadata)
        } else if outcome.response.status >= 500 {
            logger.warning("request", metadata: metadata)
        } else {
            logger.info("request", metadata: metadata)
        }
    }

    /// Enough to follow one session through the logs, not enough to find it anywhere else.
    static func sessionHash(_ sessionID: String) -> String {
        Hex.encode(SHA256.hash(data: Data(sessionID.utf8)).prefix(8))
    }

    private static func milliseconds(_ duration: Duration) -> Logger.Metadata.Value {
        .stringConvertible((Double(duration.nanoseconds) / 1_000).rounded() / 1_000)
    }
}
