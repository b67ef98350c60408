import FastCGI

/// A logout whose token check and revocation wait for the transport: ``run()`` it once a slot is
/// free, or answer ``overloaded()`` at once when none is. Either records the request, once.
public struct DeferredLogout: Sendable {
    let router: Router
    let request: LogoutRequest
    let started: ContinuousClock.Instant
    let whenOverloaded: FastCGIResponse
    let work: @Sendable () async -> LogoutHandler.Outcome

    /// The `503 overloaded` answer, cookies kept.
    public func overloaded() -> FastCGIResponse {
        router.finish(.init(response: whenOverloaded, error: .overloaded), request, .logout, started)
    }

    /// Checks the token, revokes the session and answers.
    public func run() async -> FastCGIResponse {
        router.finish(await work(), request, .logout, started)
    }
}
