/// A response whose status the caller did not accept. Carries no body.
public struct HTTPStatusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status received.
    public var status: Int

    public init(status: Int) { self.status = status }

    public var description: String { "unexpected_status_\(status)" }
}
