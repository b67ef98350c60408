import HTTPHeaders

/// An HTTP request for `HTTPClient`.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Sent in order. Without a `Content-Type` here none is sent (libcurl would otherwise add a form type to a POST).
    public var headers: [HTTPHeader]
    /// Sent with `Content-Length` for any method but GET and HEAD, even when empty.
    public var body: [UInt8]

    public init(method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}
