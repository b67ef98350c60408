import FoundationEssentials
import JWTKit

/// Why no key could verify a token: a short, fixed label for debug logs.
enum TokenKeyLookupFailure: String, Error {
    case algorithmNotAllowed = "algorithm_not_allowed"
    case missingKeyID = "missing_kid"
    case unknownKeyID = "unknown_kid"
    case algorithmMismatch = "algorithm_mismatch"
    /// The `kid` is not among the keys held and the JWKS that may hold it cannot be fetched.
    case keysUnavailable = "jwks_unavailable"
}

extension TokenVerifier {
    /// The configured key that may verify a token with this `alg` and `kid`.
    ///
    /// The token's `alg` only selects between the HMAC secret and the JWKS; the key itself
    /// decides its algorithm, so an HS256 token can never be checked against a public key.
    func verificationKey(
        algorithm: String, keyID: String?, now: Date
    ) async -> Result<any JWTAlgorithm, TokenKeyLookupFailure> {
        if algorithm == "HS256" {
            guard let hmacKey else { return .failure(.algorithmNotAllowed) }
            return .success(hmacKey)
        }
        guard let jwksSource, algorithm != "none", !algorithm.hasPrefix("HS") else {
            return .failure(.algorithmNotAllowed)
        }
        guard let keyID, !keyID.isEmpty else { return .failure(.missingKeyID) }

        var key = jwksKeys.withLock { $0.keysByID[keyID] }
        if key == nil, jwksSource.isFetched {
            await sharedFetch(if: { $0.claimUnknownKeyFetch(at: now) })
            key = jwksKeys.withLock { $0.keysByID[keyID] }
            // Only a JWKS actually read can say a key does not exist.
            if key == nil, refresh.withLock({ $0.schedule.lastFetchFailed }) {
                return .failure(.keysUnavailable)
            }
        }
        guard let key else { return .failure(.unknownKeyID) }
        guard key.name == algorithm else { return .failure(.algorithmMismatch) }
        return .success(key)
    }
}
