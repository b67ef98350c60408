/// Why ``SystemdService/run()`` failed.
public enum SystemdServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The health check never passed within the readiness timeout, so `READY=1` was never sent.
    case notReady(within: Duration)

    public var description: String {
        switch self {
        case .notReady(let timeout): "the service did not become ready within \(timeout)"
        }
    }
}
