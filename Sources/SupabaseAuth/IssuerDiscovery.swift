import FoundationEssentials
import Logging
import Synchronization

/// The issuer a token's `iss` is checked against, and, for ``IssuerRule/discovered(projectIssuer:fetch:)``,
/// the fetches of the openid-configuration that keep it current: at start, again when the `max-age` of
/// the last answer has passed, with backoff after a failure (``JWKSRefreshSchedule``), whatever the
/// JWKS source. The issuer in use is logged at start and whenever it changes.
final class IssuerDiscovery: Sendable {
    /// What is known of the discovered issuer.
    enum Known: Equatable {
        case notYet
        /// The document's `issuer`; empty: tokens must carry no `iss`.
        case issuer(String)
        /// The endpoint answered `404`.
        case notServed
    }

    private let rule: IssuerRule
    private let known = Mutex(Known.notYet)
    private let schedule = Mutex(JWKSRefreshSchedule(unknownKeyInterval: 0))
    private let inFlight = Mutex<Task<Void, Never>?>(nil)
    private let scheduledRefresh = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void

    init(
        rule: IssuerRule, logger: Logger, now: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.rule = rule
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    deinit {
        scheduledRefresh.withLock { $0?.cancel() }
    }

    /// Logs the issuer in use and, for a discovered one, makes the first fetch and schedules the next.
    func start() async {
        switch rule {
        case .fixed(let issuer):
            logger.info("token issuer", metadata: ["jwt.issuer": "\(issuer)", "jwt.issuer_source": "setting"])
        case .unchecked:
            logger.info("token issuer not checked", metadata: ["jwt.issuer_source": "setting"])
        case .discovered(let projectIssuer, _):
            logger.info(
                "token issuer until Supabase Auth names its own",
                metadata: ["jwt.issuer": "\(projectIssuer)", "jwt.issuer_source": "project_url"])
            await fetchShared()
            let task = startScheduledRefresh()
            scheduledRefresh.withLock { $0 = task }
        }
    }

    /// Whether a token carrying `iss` (nil: none) passes.
    func verdict(for iss: String?) -> IssuerVerdict {
        switch rule {
        case .unchecked:
            return .accepted
        case .fixed(let issuer):
            return iss == issuer ? .accepted : .wrong
        case .discovered(let projectIssuer, _):
            switch known.withLock({ $0 }) {
            case .notYet:
                return iss == projectIssuer ? .accepted : .notKnownYet
            case .issuer(let issuer) where issuer.isEmpty:
                return iss == nil ? .accepted : .wrong
            case .issuer(let issuer):
                return iss == issuer ? .accepted : .wrong
            case .notServed:
                return iss == nil || iss == projectIssuer ? .accepted : .wrong
            }
        }
    }

    /// Fetches the document now (joining a fetch under way), whatever the schedule.
    func fetchShared() async {
        let task: Task<Void, Never> = inFlight.withLock { current in
            if let current { return current }
            // The task clears itself under the same lock, so it cannot do so before it is stored.
            let task = Task { [self] in
                await fetchOnce()
                inFlight.withLock { $0 = nil }
            }
            current = task
            return task
        }
        await task.value
    }

    private func fetchOnce() async {
        guard case .discovered(let projectIssuer, let fetch) = rule else { return }
        do {
            let answer = try await fetch()
            let at = now()
            let next: Known
            switch answer {
            case .issuer(let issuer, let maxAge):
                next = .issuer(issuer)
                let lifetime = maxAge.map { TimeInterval($0.components.seconds) }
                schedule.withLock { $0.recordSuccess(maxAge: lifetime, at: at) }
            case .notServed:
                next = .notServed
                schedule.withLock { $0.recordSuccess(maxAge: nil, at: at) }
            }
            let previous = known.withLock { known in
                defer { known = next }
                return known
            }
            guard previous != next else { return }
            switch next {
            case .issuer(let issuer):
                logger.info(
                    issuer.isEmpty ? "token issuer: Supabase Auth names none, tokens must carry no iss" : "token issuer",
                    metadata: ["jwt.issuer": "\(issuer)", "jwt.issuer_source": "openid_configuration"])
            case .notServed:
                logger.warning(
                    "Supabase Auth serves no openid-configuration (older than v2.181.0): tokens with the project's issuer or none pass; set LOGOUT_JWT_ISSUER for a custom domain",
                    metadata: ["jwt.issuer": "\(projectIssuer)", "jwt.issuer_source": "project_url"])
            case .notYet:
                break
            }
        } catch {
            let at = now()
            let retry = schedule.withLock { schedule in
                schedule.recordFailure(at: at)
                return schedule.delayUntilDue(at: at)
            }
            logger.warning(
                "openid-configuration fetch failed; keeping the issuer in use",
                metadata: ["error": "\(error)", "jwt.issuer_retry_in_s": "\(retry)"])
        }
    }

    private func delayUntilScheduledFetch() -> TimeInterval {
        let at = now()
        return schedule.withLock { $0.delayUntilDue(at: at) }
    }

    /// Fetches each time the schedule says so; holds the discovery only while a fetch runs.
    private func startScheduledRefresh() -> Task<Void, Never> {
        ScheduledRefresh.start(
            sleep: sleep, delaySeconds: { [weak self] in self?.delayUntilScheduledFetch() },
            fetch: { [weak self] in await self?.fetchShared() })
    }
}
