import POSIXSupport

/// What the transport writes back: a `Status:` line, the headers in order (a name may repeat,
/// as `Set-Cookie` does) and the body.
public struct FastCGIResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [Header]
    public var body: String

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, headers: [Header] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The values of every header called `name` (case-insensitive), in order.
    public func values(of name: String) -> [String] {
        headers.filter { $0.name.isASCIICaseInsensitiveEqual(to: name) }.map(\.value)
    }

    /// The first value of the header `name` (case-insensitive).
    public func value(of name: String) -> String? {
        values(of: name).first
    }
}
