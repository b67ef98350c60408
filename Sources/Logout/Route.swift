/// The routes the responder knows; `label` is the metric label, never the raw path.
enum Route: CaseIterable, Sendable {
    case logout
    case health
    case metrics
    case unmatched

    init(path: String) {
        switch path {
        case "/api/auth/logout": self = .logout
        case "/healthz": self = .health
        case "/metrics": self = .metrics
        default: self = .unmatched
        }
    }

    var label: String {
        switch self {
        case .logout: "/api/auth/logout"
        case .health: "/healthz"
        case .metrics: "/metrics"
        case .unmatched: "unmatched"
        }
    }
}
