/// What the router reads of a request: its CGI params, looked up by name, and whether its body
/// outgrew the transport's limit.
///
/// A transport's request may borrow the transport's buffers (hence `~Copyable`): the router copies
/// what a deferred reply needs before it returns.
public protocol RequestView: ~Copyable {
    /// The param `name` (e.g. `REQUEST_METHOD`, `HTTP_COOKIE`), or nil when absent.
    func param(_ name: String) -> String?
    /// True when the body was longer than the transport accepts.
    var bodyTooLarge: Bool { get }
}
