/// The loop behind the JWKS's and the issuer's refreshes: sleep until the schedule says a fetch is due,
/// fetch, repeat; it ends when `delaySeconds` answers nil (its owner is gone) or the sleep is cancelled.
///
/// Both closures capture their owner weakly, so the task keeps it alive only while a fetch runs and an
/// owner replaced on reload ends its task from `deinit`.
enum ScheduledRefresh {
    static func start(
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        delaySeconds: @escaping @Sendable () -> Double?,
        fetch: @escaping @Sendable () async -> Void
    ) -> Task<Void, Never> {
        Task {
            while let delay = delaySeconds() {
                do {
                    try await sleep(.milliseconds(Int64((delay * 1000).rounded(.up))))
                } catch {
                    return
                }
                await fetch()
            }
        }
    }
}
