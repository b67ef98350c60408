import POSIXSupport

/// One HTTP header field as sent or received, by the HTTP client and by the FastCGI responder alike.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension HTTPHeader {
    /// False when the name is not an RFC 9110 token or the value holds CR, LF or NUL (which would split the header).
    public var isWellFormed: Bool {
        HTTPToken.isToken(name) && !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
    }
}

extension Sequence<HTTPHeader> {
    /// The values of every header called `name` (ASCII case-insensitive), in order.
    public func values(of name: String) -> [String] {
        filter { $0.name.isASCIICaseInsensitiveEqual(to: name) }.map(\.value)
    }

    /// The value of the first header called `name` (ASCII case-insensitive), if any.
    public func value(of name: String) -> String? {
        first(where: { $0.name.isASCIICaseInsensitiveEqual(to: name) })?.value
    }
}
