import HTTPClient

/// What a request to Supabase Auth that got no answer says about the `reachable` and `TLS` checks.
/// The one place client errors are named for an operator: a new error case of `HTTPClient` goes here.
enum TransferFailure: Equatable {
    /// No connection: the name, the route, a refusal or a timeout.
    case unreachable(String)
    /// Connected, but TLS failed: the certificate or the handshake.
    case tls(String)
    /// Connected (and past TLS), then the exchange broke.
    case broken(String)

    // libcurl's TLS codes (curl/curl.h); `HTTPClientError` passes them on as `.other(curlCode:)`.
    private static let tlsReasons: [UInt32: String] = [
        35: "the TLS handshake failed (protocol or cipher mismatch, or not a TLS server)",
        51: "the certificate does not name this host",
        53: "the TLS engine was not found",
        58: "the local client certificate is unusable",
        59: "no cipher in common",
        60: "the certificate does not verify (an unknown CA, another host name, or expired)",
        64: "TLS was required but not offered",
        66: "the TLS engine could not be initialised",
        77: "the CA bundle cannot be read",
        80: "the TLS connection did not shut down cleanly",
        82: "the CRL file cannot be read",
        83: "the certificate's issuer check failed",
        90: "the server's public key does not match the pinned key",
        91: "the certificate status (OCSP) is invalid",
    ]

    init(_ error: HTTPClientError) {
        if error == .couldNotConnect {
            self = .unreachable("no connection: the name did not resolve, no route, or refused")
        } else if error == .timedOut {
            self = .unreachable("no answer within the timeout")
        } else if let reason = Self.tlsReasons.first(where: { error == .other(curlCode: $0.key) })?.value {
            self = .tls(reason)
        } else {
            self = .broken("the exchange failed (\(error))")
        }
    }
}
