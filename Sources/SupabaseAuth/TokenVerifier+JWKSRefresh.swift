import FoundationEssentials
import Logging

/// The refresh schedule and the fetch under way, which every concurrent caller awaits.
struct JWKSRefreshState: Sendable {
    var schedule: JWKSRefreshSchedule
    var inFlight: Task<Void, Never>?
}

extension TokenVerifier {
    /// Reads or fetches the JWKS once and swaps in the keys of a well-formed answer, also when it holds
    /// none: a key gone from the project's JWKS is no longer trusted. A failure keeps the keys held.
    /// Reports the attempt to `onJWKSLoad` and, for a fetched JWKS, to the refresh schedule.
    func loadJWKS() async throws {
        guard let jwksSource else { return }
        do {
            let answer = try await jwksSource.load()
            let keySet = try await JWKSKeySet(jwksJSON: answer.document)
            // A file is configuration: one without a usable key is a mistake to report at start.
            guard jwksSource.isFetched || !keySet.keysByID.isEmpty else {
                throw TokenVerifierError.jwksHasNoUsableKeys
            }
            let previousKeyIDs = jwksKeys.withLock { keys in
                defer { keys = keySet }
                return Set(keys.keysByID.keys)
            }
            let maxAge = answer.maxAge.map { TimeInterval($0.components.seconds) }
            let fetchedAt = now()
            refresh.withLock { $0.schedule.recordSuccess(maxAge: maxAge, at: fetchedAt) }
            logger.log(
                level: previousKeyIDs == Set(keySet.keysByID.keys) ? .debug : .info, "JWKS loaded",
                metadata: [
                    "jwks.source": "\(jwksSource.logDescription)",
                    "jwks.keys": "\(keySet.keysByID.count)",
                    "jwks.skipped": "\(keySet.skippedCount)",
                ])
            onJWKSLoad?(true)
        } catch {
            let failedAt = now()
            let retry = refresh.withLock { state in
                state.schedule.recordFailure(at: failedAt)
                return state.schedule.delayUntilDue(at: failedAt)
            }
            var metadata: Logger.Metadata = ["jwks.source": "\(jwksSource.logDescription)", "error": "\(error)"]
            if jwksSource.isFetched { metadata["jwks.retry_in_s"] = "\(retry)" }
            logger.warning("JWKS load failed; keeping the keys already held", metadata: metadata)
            onJWKSLoad?(false)
            throw error
        }
    }

    /// Joins the fetch under way, or starts one when `mayStart` allows it. Returns false when there
    /// was none to wait for.
    @discardableResult
    func sharedFetch(if mayStart: (inout JWKSRefreshSchedule) -> Bool) async -> Bool {
        let task: Task<Void, Never>? = refresh.withLock { state in
            if let inFlight = state.inFlight { return inFlight }
            guard mayStart(&state.schedule) else { return nil }
            // The task clears itself under the same lock, so it cannot do so before it is stored.
            let task = Task {
                try? await self.loadJWKS()
                self.refresh.withLock { $0.inFlight = nil }
            }
            state.inFlight = task
            return task
        }
        guard let task else { return false }
        await task.value
        return true
    }

    func delayUntilScheduledFetch() -> TimeInterval {
        let now = now()
        return refresh.withLock { $0.schedule.delayUntilDue(at: now) }
    }

    /// Fetches the JWKS each time the schedule says so, until the verifier goes away.
    ///
    /// The task holds the verifier only while a fetch runs, so a verifier replaced on reload ends
    /// its task from `deinit` instead of living on in it.
    func startScheduledRefresh() -> Task<Void, Never> {
        ScheduledRefresh.start(
            sleep: sleep, delaySeconds: { [weak self] in self?.delayUntilScheduledFetch() },
            fetch: { [weak self] in await self?.sharedFetch(if: { _ in true }) })
    }
}
