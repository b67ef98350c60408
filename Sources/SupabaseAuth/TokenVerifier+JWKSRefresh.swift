import Foundation
import Logging

/// Bookkeeping for JWKS refetches triggered by unknown `kid`s.
struct JWKSRefetchState: Sendable {
    /// The fetch under way, which every concurrent miss awaits.
    var inFlight: Task<Void, Never>?
    /// The `now` of the last miss that started a fetch.
    var lastStarted: Date?
}

extension TokenVerifier {
    /// Loads the JWKS from its source and, when it holds a usable key, swaps it in.
    /// Reports the attempt to `onJWKSLoad`.
    func loadJWKS() async throws {
        guard let jwksSource else { return }
        do {
            let keySet = try await JWKSKeySet(jwksJSON: jwksSource.load())
            guard !keySet.keysByID.isEmpty else {
                throw TokenVerifierError.jwksHasNoUsableKeys
            }
            jwksKeys.withLock { $0 = keySet }
            logger.info(
                "JWKS loaded",
                metadata: [
                    "jwks.source": "\(jwksSource.logDescription)",
                    "jwks.keys": "\(keySet.keysByID.count)",
                    "jwks.skipped": "\(keySet.skippedCount)",
                ])
            onJWKSLoad?(true)
        } catch {
            logger.warning(
                "JWKS load failed; keeping the keys already held",
                metadata: ["jwks.source": "\(jwksSource.logDescription)", "error": "\(error)"])
            onJWKSLoad?(false)
            throw error
        }
    }

    /// Refetches the JWKS for a token naming an unknown `kid`, or joins the refetch already
    /// under way. Returns false, without waiting, when the last refetch started less than
    /// `jwksRefetchInterval` before `now`.
    func refetchForUnknownKeyID(now: Date) async -> Bool {
        let task: Task<Void, Never>? = refetch.withLock { state in
            if let inFlight = state.inFlight { return inFlight }
            // A clock that went backwards does not block refetches until it catches up.
            if let lastStarted = state.lastStarted, now >= lastStarted,
                now.timeIntervalSince(lastStarted) < jwksRefetchInterval
            {
                return nil
            }
            state.lastStarted = now
            // The task clears itself under the same lock, so it cannot do so before it is stored.
            let task = Task {
                try? await self.loadJWKS()
                self.refetch.withLock { $0.inFlight = nil }
            }
            state.inFlight = task
            return task
        }
        guard let task else { return false }
        await task.value
        return true
    }
}
