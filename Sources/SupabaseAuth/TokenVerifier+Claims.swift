import FoundationEssentials

extension TokenVerifier {
    /// The claims of a token whose signature checked out, or why they are refused: a token for another
    /// issuer or audience is invalid whatever its expiry.
    func claims(from payload: TokenPayload, now: Date, checkingExpiry: Bool) -> Result<SessionClaims, TokenRejection> {
        switch issuer.verdict(for: payload.issuer) {
        case .accepted: break
        case .wrong: return reject(.invalid, reason: "wrong_issuer")
        case .notKnownYet: return reject(.issuerNotKnownYet, reason: "issuer_not_known_yet")
        }
        if let requiredAudience, payload.audience?.contains(requiredAudience) != true {
            return reject(.invalid, reason: "wrong_audience")
        }
        guard let expiresAt = payload.expiresAt, expiresAt.isFinite else {
            return reject(.invalid, reason: "missing_exp")
        }
        guard let subject = payload.subject, !subject.isEmpty,
            let sessionID = payload.sessionID, !sessionID.isEmpty
        else {
            return reject(.invalid, reason: "missing_claim")
        }
        let expiry = Date(timeIntervalSince1970: expiresAt)
        guard !checkingExpiry || now.timeIntervalSince(expiry) < leeway else {
            return reject(.expired, reason: "expired")
        }
        return .success(SessionClaims(subject: subject, sessionID: sessionID, expiresAt: expiry))
    }
}
