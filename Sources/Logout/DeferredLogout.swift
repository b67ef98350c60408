import FastCGI

/// A logout whose token check and revocation wait for the transport: ``run()`` it once a slot is
/// free, or answer ``overloaded()`` at once when none is. Either records the request, once.
public struct DeferredLogout: Sendable {
    let whenOverloaded: FastCGIResponse
    let work: @Sendable () async -> LogoutHandler.Outcome
    /// Records the request's outcome (its log line and metrics) and gives back its response.
    let finish: @Sendable (LogoutHandler.Outcome) -> FastCGIResponse

    /// The `503 overloaded` answer, cookies kept.
    public func overloaded() -> FastCGIResponse {
        finish(.init(response: whenOverloaded, error: .overloaded))
    }

    /// Checks the token, revokes the session and answers.
    public func run() async -> FastCGIResponse {
        finish(await work())
    }
}
