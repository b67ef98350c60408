import HTTPHeaders

/// An HTTP response from `HTTPClient`: the final status, its headers and a bounded body.
public struct HTTPResponse: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields of the final response in order, names lowercased.
    public var headers: [HTTPHeader]
    /// The body, at most the client's `maxBodyBytes`.
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header with that name (any case), if present.
    public func header(_ name: String) -> String? {
        headers.value(of: name)
    }
}
