import FastCGI
import FoundationEssentials
import HTTPHeaders
import SupabaseAuth

/// Ending the sessions of one request: each checked locally, the live ones ended at Supabase Auth within
/// one deadline, and one answer for all of them.
extension LogoutHandler {
    /// How one session's ending came out.
    enum Ending {
        case revoked
        /// Nothing is left to end, or the token is no good: the code the client gets.
        case dead(LogoutError)
        /// The session may be alive and a retry may end it (5xx, 429, no answer, keys or issuer not known yet).
        case retryable(retryAfterSeconds: Int?)
        /// Supabase Auth refused our own request: our configuration is wrong.
        case misconfigured
    }

    /// Checks each distinct session locally, ends the live ones within one deadline, and answers: `500`
    /// when any may still be alive, else `200` when any was revoked, else the first session's `401`.
    func end(
        _ sessions: [SessionCookie.Session], scope: RevocationScope, requestID: String?, clearing: [HTTPHeader]
    ) async -> Outcome {
        let deadline = ContinuousClock.now + configuration.upstreamTimeout
        let now = self.now()
        var (endings, live) = await checkLocally(sessions, now: now)
        var outcome = Outcome(response: FastCGIResponse(status: 200, headers: [], body: ""), error: nil)
        for entry in live {
            let expiresIn = entry.claims.expiresAt.timeIntervalSince(now)
            let credentials = SessionCredentials(
                accessToken: entry.session.accessToken, refreshToken: entry.session.refreshToken,
                refreshFirst: entry.session.refreshToken != nil
                    && expiresIn < Double(SessionCredentials.refreshMargin.components.seconds))
            let revocation = await revoker.endSession(credentials, scope: scope, requestID: requestID, deadline: deadline)
            outcome.revocations.append(revocation)
            endings[entry.index] = Self.ending(of: revocation)
        }
        outcome.claims = live.first?.claims
        let reply = answer(endings, scope: scope, clearing: clearing)
        outcome.response = reply.response
        outcome.error = reply.error
        return outcome
    }

    private typealias LiveSession = (index: Int, session: SessionCookie.Session, claims: SessionClaims)

    /// Each session's local check: an ending for the refused ones, and the distinct live sessions (by
    /// `session_id`) with the place of their ending.
    private func checkLocally(_ sessions: [SessionCookie.Session], now: Date) async -> ([Ending], [LiveSession]) {
        var endings: [Ending] = []
        var live: [LiveSession] = []
        for session in sessions {
            // An expired cookie session is refreshed, then revoked: its token's expiry is not the end of it.
            let refreshable = session.refreshToken != nil
            switch await verifier.verify(session.accessToken, now: now, checkingExpiry: !refreshable) {
            case .failure(.expired): endings.append(.dead(.tokenExpired))
            case .failure(.invalid): endings.append(.dead(.invalidToken))
            // The key or the issuer is not known yet: nothing is known about the token, so the client retries.
            case .failure(.keysUnavailable), .failure(.issuerNotKnownYet): endings.append(.retryable(retryAfterSeconds: nil))
            case .success(let claims):
                // Two copies of one session: the one whose token lives longer is the newer.
                if let twin = live.firstIndex(where: { $0.claims.sessionID == claims.sessionID }) {
                    if live[twin].claims.expiresAt < claims.expiresAt { live[twin] = (live[twin].index, session, claims) }
                    continue
                }
                endings.append(.revoked)
                live.append((endings.count - 1, session, claims))
            }
        }
        return (endings, live)
    }

    private static func ending(of revocation: RevocationOutcome) -> Ending {
        switch revocation.result {
        case .revoked: .revoked
        case .sessionDead(.sessionNotFound): .dead(.sessionNotFound)
        case .sessionDead(.tokenExpired): .dead(.tokenExpired)
        case .sessionDead(.invalidToken): .dead(.invalidToken)
        // A certificate that does not verify is the deployment's to fix, like a refused key.
        case .failed(.rejectedConfiguration), .failed(.tls): .misconfigured
        case .failed(.rateLimited): .retryable(retryAfterSeconds: revocation.retryAfterSeconds)
        case .failed(.unavailable): .retryable(retryAfterSeconds: nil)
        }
    }

    private func answer(_ endings: [Ending], scope: RevocationScope, clearing: [HTTPHeader]) -> Outcome {
        var mayBeAlive = false
        var retryAfter: Int?
        var anyRevoked = false
        var firstDead: LogoutError?
        for ending in endings {
            switch ending {
            case .revoked: anyRevoked = true
            case .dead(let error): firstDead = firstDead ?? error
            case .misconfigured: mayBeAlive = true
            case .retryable(let seconds):
                mayBeAlive = true
                if let seconds { retryAfter = max(retryAfter ?? 0, seconds) }
            }
        }
        if mayBeAlive {
            var outcome = failure(.sessionInvalidationFailed)
            if let retryAfter { outcome.response.headers.append(.init("Retry-After", String(retryAfter))) }
            return outcome
        }
        if let firstDead, !anyRevoked { return failure(firstDead, clearing: clearing) }
        // With scope "others" this session stays signed in, as supabase-js does: its cookies stay.
        var response = FastCGIResponse(status: 200, headers: headers.base, body: #"{"data":{"success":true}}"#)
        if scope != .others { response.appendWhileHeadFits(clearing) }
        return Outcome(response: response, error: nil)
    }

}
