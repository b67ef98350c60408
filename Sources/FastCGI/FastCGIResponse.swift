import HTTPHeaders

/// What the transport writes back: a `Status:` line, the headers in order (a name may repeat,
/// as `Set-Cookie` does) and the body.
public struct FastCGIResponse: Sendable, Equatable {
    public typealias Header = HTTPHeader

    public var status: Int
    public var headers: [Header]
    public var body: String

    public init(status: Int, headers: [Header] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
