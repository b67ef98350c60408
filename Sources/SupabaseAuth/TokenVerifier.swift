import FoundationEssentials
import JWTKit
import Logging
import POSIXSupport
import Synchronization

/// Checks a Supabase access token locally, before any network call: its JWS signature
/// against a configured key, then `iss` (see ``IssuerRule``), `aud`, `sub`, `session_id` and `exp`.
///
/// - HS256 tokens are checked against the HMAC secret (`SUPABASE_JWT_SECRET`, its UTF-8 bytes,
///   as Supabase Auth uses it); their `kid`, if any, is ignored.
/// - Asymmetric tokens (ES256, RS256, or any other algorithm a JWKS key declares) are checked
///   against the JWKS key their `kid` names, and only when the token's `alg` is that key's algorithm.
/// - Both kinds may be configured at once, as during a Supabase signing-key rotation.
/// - `none`, an HS256 token without a secret, an asymmetric token without a JWKS, and any
///   algorithm/key mismatch are rejected as ``TokenRejection/invalid``.
///
/// Verification itself is synchronous crypto on an immutable key snapshot (no actor hop);
/// `verify` suspends only while a token naming an unknown `kid` waits for a JWKS refetch.
///
/// JWKS refresh, for a ``JWKSSource/url(fetch:)`` source (see ``JWKSRefreshSchedule``): fetched in
/// `init` (a failure there is logged, not thrown), then again when the `max-age` of the last answer
/// has passed or, after a failure, with backoff from one second; and when a token names an unknown
/// `kid`, at most once per `jwksRefetchInterval` of the `now` passed to ``verify(_:now:)``.
/// Concurrent callers share one fetch. A well-formed answer replaces the keys held, so a key gone
/// from it is no longer trusted; a failed fetch keeps them. While the JWKS cannot be fetched, a
/// token naming a key not held is ``TokenRejection/keysUnavailable``, not invalid.
/// ``reload()`` re-reads a file or refetches a URL at any time.
public final class TokenVerifier: Sendable {
    /// The shortest HMAC secret accepted, in bytes: the SHA-256 output size (RFC 7518 §3.2).
    /// jwt-kit asserts on shorter keys in debug builds; release builds would accept them, so the
    /// initialiser refuses them outright.
    public static let minimumHMACSecretBytes = 32

    /// Tokens longer than this are refused unparsed. Supabase access tokens are well under it,
    /// even with large `app_metadata`.
    public static let maximumTokenBytes = 16 * 1024

    let hmacKey: (any JWTAlgorithm)?
    let jwksSource: JWKSSource?
    let jwksKeys: Mutex<JWKSKeySet>
    let refresh: Mutex<JWKSRefreshState>
    private let scheduledRefresh = Mutex<Task<Void, Never>?>(nil)
    let leeway: TimeInterval
    /// The `iss` a token must carry, and its discovery.
    let issuer: IssuerDiscovery
    /// The audience a token's `aud` must name; nil: not checked.
    let requiredAudience: String?
    let logger: Logger
    let onJWKSLoad: (@Sendable (_ succeeded: Bool) -> Void)?
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void

    /// Builds the verifier and loads the JWKS, if any; a discovered issuer is fetched here first.
    ///
    /// - Throws: ``TokenVerifierError``: no key source at all, a short secret, or a JWKS file that
    ///   cannot be read or holds no usable key. A URL source that fails here does not throw.
    public init(configuration: Configuration) async throws {
        guard configuration.hmacSecret != nil || configuration.jwks != nil else {
            throw TokenVerifierError.noKeysConfigured
        }
        if let hmacSecret = configuration.hmacSecret {
            guard hmacSecret.utf8.count >= Self.minimumHMACSecretBytes else {
                throw TokenVerifierError.hmacSecretTooShort(minimumBytes: Self.minimumHMACSecretBytes)
            }
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: hmacSecret), digestAlgorithm: .sha256, kid: "hmac")
            self.hmacKey = try await collection.getKey(for: "hmac")
        } else {
            self.hmacKey = nil
        }
        self.jwksSource = configuration.jwks
        self.jwksKeys = Mutex(.empty)
        self.refresh = Mutex(
            JWKSRefreshState(
                schedule: JWKSRefreshSchedule(unknownKeyInterval: configuration.jwksRefetchInterval.timeInterval)))
        self.leeway = configuration.leeway.timeInterval
        self.issuer = IssuerDiscovery(
            rule: configuration.issuer, logger: configuration.logger, now: configuration.now, sleep: configuration.sleep)
        self.requiredAudience = configuration.audience
        self.logger = configuration.logger
        self.onJWKSLoad = configuration.onJWKSLoad
        self.now = configuration.now
        self.sleep = configuration.sleep

        let discovery = self.issuer
        let issuerStart = Task { await discovery.start() }
        switch configuration.jwks {
        case nil:
            break
        case .file?:
            try await loadJWKS()
        case .url?:
            await sharedFetch(if: { _ in true })
            let task = startScheduledRefresh()
            scheduledRefresh.withLock { $0 = task }
        }
        await issuerStart.value
    }

    deinit {
        scheduledRefresh.withLock { $0?.cancel() }
    }

    /// Verifies `token` (the compact JWS, without `Bearer `) as of `now`.
    ///
    /// With `checkingExpiry` false a token past `exp` passes every other check and comes back with its
    /// claims: a session that holds a refresh token is refreshed, not refused.
    /// Never throws or traps on hostile input: anything malformed is ``TokenRejection/invalid``.
    public func verify(_ token: String, now: Date, checkingExpiry: Bool = true) async -> Result<SessionClaims, TokenRejection> {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumTokenBytes else {
            return reject(.invalid, reason: "too_long")
        }
        guard let jws = CompactJWS(bytes) else { return reject(.invalid, reason: "malformed") }
        guard let header = TokenHeader(json: jws.header) else { return reject(.invalid, reason: "unsupported_header") }

        let key: any JWTAlgorithm
        switch await verificationKey(algorithm: header.algorithm, keyID: header.keyID, now: now) {
        case .success(let found): key = found
        case .failure(.keysUnavailable): return reject(.keysUnavailable, reason: TokenKeyLookupFailure.keysUnavailable.rawValue)
        case .failure(let reason): return reject(.invalid, reason: reason.rawValue)
        }

        guard (try? key.verify(jws.signature, signs: jws.signingInput)) == true else {
            return reject(.invalid, reason: "bad_signature")
        }
        guard let payload = TokenPayload(json: jws.payload) else { return reject(.invalid, reason: "malformed") }
        return claims(from: payload, now: now, checkingExpiry: checkingExpiry)
    }

    /// Re-reads the JWKS file or refetches the JWKS URL now, whatever the schedule.
    /// On failure the keys already held stay in use.
    public func reload() async throws {
        await issuer.fetchShared()
        guard jwksSource != nil else { return }
        try await loadJWKS()
    }

    /// How many JWKS keys are in use now.
    public var jwksKeyCount: Int {
        jwksKeys.withLock { $0.keysByID.count }
    }

    func reject(_ rejection: TokenRejection, reason: String) -> Result<SessionClaims, TokenRejection> {
        logger.debug("access token refused", metadata: ["token.rejection_reason": "\(reason)"])
        return .failure(rejection)
    }
}
