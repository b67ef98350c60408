import CCurl

/// Why `HTTPClient` got no HTTP response.
///
/// Compare against the static members (`error == .timedOut`). `description` is short and drawn from a bounded set,
/// fit for a metric label or a log value; it never carries request data.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case couldNotConnect
        case timedOut
        case connectionReset
        case responseTooLarge
        case invalidRequest
        case cancelled
        case shutdown
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
    /// Any other libcurl failure (TLS, protocol, ...), by its `CURLcode`.
    public static func other(curlCode: UInt32) -> HTTPClientError { HTTPClientError(.other(curlCode)) }

    /// True for failures that a later attempt may not repeat: could not connect, timed out, reset.
    public var isTransient: Bool {
        switch code {
        case .couldNotConnect, .timedOut, .connectionReset: true
        default: false
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
        case .other(let raw): "curl_error_\(raw)"
        }
    }
}

extension HTTPClientError {
    /// The client error for a transfer that ended with a libcurl failure.
    init(transferFailure error: CurlError) {
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
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            self = .invalidRequest
        default:
            self = .other(curlCode: curlCode.rawValue)
        }
    }
}
