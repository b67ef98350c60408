/// Why starting or driving the stand-in failed. Descriptions never carry tokens.
public enum GoTrueStubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The launcher could not start `python3` with the stand-in script.
    case launchFailed(String)
    /// The stand-in did not print its READY line in time, or exited before it.
    case notReady(String)
    /// An admin or public call failed at the transport level.
    case transport(method: String, path: String, reason: String)
    /// An admin call answered a status it should not have.
    case unexpectedStatus(method: String, path: String, status: Int)
    /// An admin call answered a body that is not the expected JSON.
    case malformedResponse(method: String, path: String)

    public var description: String {
        switch self {
        case .launchFailed(let reason):
            return "GoTrue stub: launch failed: \(reason)"
        case .notReady(let reason):
            return "GoTrue stub: not ready: \(reason)"
        case .transport(let method, let path, let reason):
            return "GoTrue stub: \(method) \(path) failed: \(reason)"
        case .unexpectedStatus(let method, let path, let status):
            return "GoTrue stub: \(method) \(path) answered \(status)"
        case .malformedResponse(let method, let path):
            return "GoTrue stub: \(method) \(path) answered malformed JSON"
        }
    }
}
