/// What a responder does with a request: answer it at once, on the worker thread that read it, or later,
/// from a task that holds one in-flight slot but no thread while it waits.
public enum FastCGIReply: Sendable {
    case now(FastCGIResponse)
    /// `work` runs in a task that holds a slot, started on the worker thread and running there until
    /// it first suspends; when every slot is taken, `whenOverloaded` is called instead and its
    /// response sent at once.
    case later(whenOverloaded: @Sendable () -> FastCGIResponse, work: @Sendable () async -> FastCGIResponse)
}

/// The application behind the transport.
public protocol FastCGIResponder: Sendable {
    /// Called on a worker thread, whose event loop waits meanwhile: must not block. The request is
    /// valid only during this call.
    func respond(to request: borrowing FastCGIRequest) -> FastCGIReply
}
