import CCurl

/// Why `HTTPClient` got no HTTP response.
///
/// Compare against the static members (`error == .timedOut`). `description` is short and drawn from a bounded set,
/// fit for a metric label or a log value; it never carries request data. `explanation` says the same in words.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case couldNotConnect
        case timedOut
        case connectionReset
        case responseTooLarge
        case invalidRequest
        case cancelled
        case shutdown
        case tlsUnknownCA
        case tlsNameMismatch
        case tlsCertificateExpired
        case tlsCertificateRejected
        case tlsHandshakeFailed
        case tlsTrustStoreUnusable
        case setupFailed(UInt32)
        case other(UInt32)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The connection could not be made: refused, unreachable or the name did not resolve.
    public static let couldNotConnect = HTTPClientError(.couldNotConnect)
    /// The per-attempt timeout passed before the response was complete.
    public static let timedOut = HTTPClientError(.timedOut)
    /// The connection broke (reset, closed early, or failed to send or receive) before a complete response.
    public static let connectionReset = HTTPClientError(.connectionReset)
    /// The response body or header block was larger than the client accepts.
    public static let responseTooLarge = HTTPClientError(.responseTooLarge)
    /// The request could not be sent as given (a malformed header or URL); nothing went on the wire.
    public static let invalidRequest = HTTPClientError(.invalidRequest)
    /// The calling task was cancelled; the transfer was stopped.
    public static let cancelled = HTTPClientError(.cancelled)
    /// The client was shut down before the transfer finished.
    public static let shutdown = HTTPClientError(.shutdown)
    /// The server's certificate chain does not lead to a trusted certificate authority; nothing was sent.
    public static let tlsUnknownCA = HTTPClientError(.tlsUnknownCA)
    /// The server's certificate is valid for other host names than the URL's; nothing was sent.
    public static let tlsNameMismatch = HTTPClientError(.tlsNameMismatch)
    /// The server's certificate (or one in its chain) has expired or is not valid yet; nothing was sent.
    public static let tlsCertificateExpired = HTTPClientError(.tlsCertificateExpired)
    /// The server's certificate failed verification for another reason (revoked, wrong purpose, bad signature).
    public static let tlsCertificateRejected = HTTPClientError(.tlsCertificateRejected)
    /// The TLS handshake failed before any certificate was judged: no common protocol version or cipher,
    /// or the connection broke during the handshake.
    public static let tlsHandshakeFailed = HTTPClientError(.tlsHandshakeFailed)
    /// The trusted certificate authorities could not be loaded.
    public static let tlsTrustStoreUnusable = HTTPClientError(.tlsTrustStoreUnusable)
    /// libcurl refused an option while the transfer was being set up, by its `CURLcode`: a bug in this client,
    /// not a problem of the request or the server. Nothing was sent.
    public static func setupFailed(curlCode: UInt32) -> HTTPClientError { HTTPClientError(.setupFailed(curlCode)) }
    /// Any other libcurl failure (protocol, ...), by its `CURLcode`.
    public static func other(curlCode: UInt32) -> HTTPClientError { HTTPClientError(.other(curlCode)) }

    /// True for failures that a later attempt may not repeat: could not connect, timed out, reset, and a
    /// handshake that broke off (libcurl reports a connection reset during the handshake the same way).
    public var isTransient: Bool {
        switch code {
        case .couldNotConnect, .timedOut, .connectionReset, .tlsHandshakeFailed: true
        default: false
        }
    }

    /// True when the server's certificate did not verify, or the trusted authorities could not be loaded:
    /// nothing was sent, and another attempt within seconds would fail the same way.
    public var isCertificateFailure: Bool {
        switch code {
        case .tlsUnknownCA, .tlsNameMismatch, .tlsCertificateExpired, .tlsCertificateRejected, .tlsTrustStoreUnusable:
            true
        default: false
        }
    }

    /// True for every TLS failure, handshake failures included.
    public var isTLSFailure: Bool { isCertificateFailure || code == .tlsHandshakeFailed }

    /// True when libcurl refused to set up the transfer: a bug in this client.
    public var isSetupFailure: Bool {
        if case .setupFailed = code { return true }
        return false
    }

    /// The libcurl code behind a setup failure or an unclassified failure, for a log line.
    public var curlCode: UInt32? {
        switch code {
        case .setupFailed(let raw), .other(let raw): raw
        default: nil
        }
    }

    public var description: String {
        switch code {
        case .couldNotConnect: "could_not_connect"
        case .timedOut: "timed_out"
        case .connectionReset: "connection_reset"
        case .responseTooLarge: "response_too_large"
        case .invalidRequest: "invalid_request"
        case .cancelled: "cancelled"
        case .shutdown: "shutdown"
        case .tlsUnknownCA: "tls_unknown_ca"
        case .tlsNameMismatch: "tls_name_mismatch"
        case .tlsCertificateExpired: "tls_certificate_expired"
        case .tlsCertificateRejected: "tls_certificate_rejected"
        case .tlsHandshakeFailed: "tls_handshake_failed"
        case .tlsTrustStoreUnusable: "tls_trust_store_unusable"
        case .setupFailed: "client_setup_failed"
        case .other(let raw): "curl_error_\(raw)"
        }
    }

    /// Every `description` but those of `.other`, e.g. to create one metric series per value up front.
    public static let knownDescriptions: [String] = [
        couldNotConnect, timedOut, connectionReset, responseTooLarge, invalidRequest, cancelled, shutdown,
        tlsUnknownCA, tlsNameMismatch, tlsCertificateExpired, tlsCertificateRejected, tlsHandshakeFailed,
        tlsTrustStoreUnusable, setupFailed(curlCode: 0),
    ].map(\.description)

    /// One sentence for a log line: what happened, without request data.
    public var explanation: String {
        switch code {
        case .couldNotConnect: "no connection could be made (refused, unreachable, or the name did not resolve)"
        case .timedOut: "no complete answer before the timeout"
        case .connectionReset: "the connection broke before a complete answer"
        case .responseTooLarge: "the answer was larger than the client accepts"
        case .invalidRequest: "the request could not be sent as given (malformed URL or header)"
        case .cancelled: "the request was cancelled"
        case .shutdown: "the HTTP client was shut down"
        case .tlsUnknownCA:
            "TLS: the server's certificate is not signed by a trusted certificate authority (system bundle plus SUPABASE_CA_FILE)"
        case .tlsNameMismatch: "TLS: the server's certificate is for another host name than the URL's"
        case .tlsCertificateExpired: "TLS: the server's certificate has expired or is not valid yet"
        case .tlsCertificateRejected: "TLS: the server's certificate was rejected (revoked, wrong purpose or bad signature)"
        case .tlsHandshakeFailed: "TLS: the handshake failed (no common protocol version or cipher, or the connection broke)"
        case .tlsTrustStoreUnusable: "TLS: the trusted certificate authorities could not be loaded"
        case .setupFailed: "libcurl refused an option while setting up the request: a bug in the HTTP client"
        case .other: "libcurl failed"
        }
    }
}

extension HTTPClientError {
    /// The client error for a transfer that ended with a libcurl failure; `verifyResult` (OpenSSL's
    /// `X509_V_ERR_*`, from `CURLINFO_SSL_VERIFYRESULT`) and libcurl's message tell certificate failures apart.
    init(transferFailure error: CurlError, verifyResult: Int = 0, message: String = "") {
        guard let curlCode = error.easyCode else {
            self = .connectionReset
            return
        }
        switch curlCode {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timedOut
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            self = .connectionReset
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            self = .invalidRequest
        case CURLE_PEER_FAILED_VERIFICATION:
            self = Self.certificateFailure(verifyResult: verifyResult, message: message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CIPHER, CURLE_SSL_SHUTDOWN_FAILED:
            self = .tlsHandshakeFailed
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE:
            self = .tlsTrustStoreUnusable
        case CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            self = .tlsCertificateRejected
        default:
            self = .other(curlCode: curlCode.rawValue)
        }
    }

    /// The error for libcurl's `CURLE_PEER_FAILED_VERIFICATION`. OpenSSL's verification result names
    /// chain and date problems; libcurl checks the host name itself afterwards and only says so in its message.
    private static func certificateFailure(verifyResult: Int, message: String) -> HTTPClientError {
        switch verifyResult {
        // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, _DEPTH_ZERO_SELF_SIGNED_CERT, _SELF_SIGNED_CERT_IN_CHAIN,
        // _UNABLE_TO_GET_ISSUER_CERT_LOCALLY, _UNABLE_TO_VERIFY_LEAF_SIGNATURE
        case 2, 18, 19, 20, 21: return .tlsUnknownCA
        // X509_V_ERR_CERT_NOT_YET_VALID, _CERT_HAS_EXPIRED
        case 9, 10: return .tlsCertificateExpired
        // X509_V_ERR_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH
        case 62, 64: return .tlsNameMismatch
        default:
            let lowercased = message.lowercased()
            if lowercased.contains("subject name") || lowercased.contains("host name") { return .tlsNameMismatch }
            return .tlsCertificateRejected
        }
    }
}
