import ServiceLifecycle

extension HTTPClient: Service {
    /// Suspends until graceful shutdown (or cancellation), then shuts the client down.
    ///
    /// In a `ServiceGroup`, list the client before the services that use it: those are shut down first,
    /// so their requests in flight can still finish.
    public func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }
}
