/// A misbehaviour the stand-in's public API shows on the next logout or refresh-token requests.
///
/// Faults stack in the order added; each request consumes one use of the first fault that applies.
public enum StubFault: Sendable, Equatable {
    /// Answer the next `times` requests with this status and a Supabase Auth error body
    /// (`429`: `over_request_rate_limit`, anything else: `unexpected_failure`), each after `afterMs`.
    case status(Int, times: Int, afterMs: Int = 0)
    /// Wait `ms` milliseconds before answering the next `times` requests; `nil` until cleared.
    case delay(ms: Int, times: Int?)
    /// Close the connection of the next `times` requests with a TCP reset, without answering.
    case reset(times: Int)
    /// Close the public listener and every open connection: connections are refused until cleared.
    case refuse
    /// Like ``status(_:times:)`` but only on `path` (`"logout"` or `"token"`), with an error `code` of its
    /// own when given and a `Retry-After` header when `retryAfter` is set.
    case statusOn(path: String, status: Int, code: String? = nil, retryAfter: Int? = nil, times: Int)

    /// The JSON object the admin API takes.
    var adminBody: [String: Any] {
        switch self {
        case .status(let status, let times, let afterMs):
            return ["kind": "status", "status": status, "times": times, "ms": afterMs]
        case .delay(let ms, let times):
            return ["kind": "delay", "ms": ms, "times": times ?? -1]
        case .reset(let times):
            return ["kind": "reset", "times": times]
        case .refuse:
            return ["kind": "refuse"]
        case .statusOn(let path, let status, let code, let retryAfter, let times):
            var body: [String: Any] = ["kind": "status", "status": status, "times": times, "path": path]
            if let code { body["code"] = code }
            if let retryAfter { body["retry_after"] = retryAfter }
            return body
        }
    }
}
