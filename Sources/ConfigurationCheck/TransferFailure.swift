import HTTPClient

/// What a request to Supabase Auth that got no answer says about the `reachable` and `TLS` checks.
/// The one place client errors are named for an operator.
enum TransferFailure: Equatable {
    /// No connection: the name, the route, a refusal or a timeout.
    case unreachable(String)
    /// Connected, but TLS failed: the certificate or the handshake.
    case tls(String)
    /// Connected (and past TLS), then the exchange broke.
    case broken(String)

    init(_ error: HTTPClientError) {
        if error == .couldNotConnect {
            self = .unreachable("no connection: the name did not resolve, no route, or refused")
        } else if error == .timedOut {
            self = .unreachable("no answer within the timeout")
        } else if error.isTLSFailure {
            self = .tls("\(error.explanation) (\(error))")
        } else {
            self = .broken("the exchange failed (\(error))")
        }
    }
}
