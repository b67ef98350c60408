import HTTPHeaders

/// What the transport writes back, and what the router answers: a `Status:` line, the headers in order
/// (a name may repeat, as `Set-Cookie` does) and the body. The transport adds `Content-Length`.
public struct FastCGIResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: String

    public init(status: Int, headers: [HTTPHeader] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The values of every header called `name` (case-insensitive), in order.
    public func values(of name: String) -> [String] {
        headers.values(of: name)
    }

    /// The first value of the header `name` (case-insensitive).
    public func value(of name: String) -> String? {
        headers.value(of: name)
    }
}
