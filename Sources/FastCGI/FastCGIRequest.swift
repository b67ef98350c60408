import CFastCGI

/// One request as the responder sees it: its FastCGI params, looked up by name, and its body.
///
/// It borrows libfcgi's parameter block, so it is valid only while
/// ``FastCGIResponder/respond(to:)`` runs: copy what a deferred reply needs before returning.
public struct FastCGIRequest: ~Copyable {
    private let environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    /// The body, at most the transport's body limit.
    public let body: [UInt8]
    /// True when the body was longer than the limit (its excess was read and dropped).
    public let bodyTooLarge: Bool

    init(environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, body: [UInt8], bodyTooLarge: Bool) {
        self.environment = environment
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }

    /// The param `name` (e.g. `REQUEST_METHOD`, `HTTP_COOKIE`), or nil when absent.
    /// Bytes that are not UTF-8 are repaired with U+FFFD.
    public func param(_ name: String) -> String? {
        // FCGX_GetParam: a linear scan of "NAME=value" strings, no allocation.
        guard let value = FCGX_GetParam(name, environment) else { return nil }
        return String(cString: value)
    }
}
