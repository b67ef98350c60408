import FoundationEssentials
import HTTPHeaders
import POSIXSupport
import SupabaseAuth

/// `POST /api/auth/logout`: the checks in the contract's order, each answered on the worker thread that read the request,
/// then the token check and the revocation in a deferred reply that holds a slot but no thread.
public struct LogoutHandler: Sendable {
    private let configuration: LogoutConfiguration
    private let verifier: any AccessTokenVerifying
    private let revoker: any SessionRevoking
    private let now: @Sendable () -> Date
    private let headers: ResponseHeaders
    private let originPolicy: OriginPolicy
    private let csrf: CSRFCheck
    private let overloaded: Response

    public init(
        configuration: LogoutConfiguration,
        verifier: any AccessTokenVerifying,
        revoker: any SessionRevoking,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.verifier = verifier
        self.revoker = revoker
        self.now = now
        headers = ResponseHeaders(configuration: configuration)
        originPolicy = OriginPolicy(allowed: configuration.allowedOrigins)
        csrf = CSRFCheck(secret: configuration.csrfSecret)
        var overloaded = Self.errorResponse(.overloaded, headers: headers.base)
        overloaded.headers.append(.init("Retry-After", "1"))
        self.overloaded = overloaded
    }

    /// What happened to one request, for its log line and metrics.
    public struct Outcome: Sendable {
        public var response: Response
        /// The error code, nil on success.
        public var error: LogoutError?
        public var revocation: RevocationOutcome?
        public var claims: SessionClaims?
    }

    public enum Reply: Sendable {
        case now(Outcome)
        case later(whenOverloaded: Response, work: @Sendable () async -> Outcome)
    }

    public func handle(_ request: LogoutRequest) -> Reply {
        if request.bodyTooLarge { return .now(failure(.payloadTooLarge)) }
        guard let scope = scope(of: request) else { return .now(failure(.invalidScope)) }
        let cookies = RequestCookies(header: request.cookieHeader)
        let token: String
        if let bearer = Self.bearerToken(request.authorization) {
            token = bearer
        } else {
            switch cookieToken(request, cookies) {
            case .token(let fromCookie): token = fromCookie
            case .refused(let outcome): return .now(outcome)
            }
        }
        let clearing = headers.clearingHeaders(cookies: cookies, secureRequest: request.isSecureContext)
        let requestID = request.requestID
        return .later(whenOverloaded: overloaded) { [self] in
            await verifyAndRevoke(token: token, scope: scope, requestID: requestID, clearing: clearing)
        }
    }

    /// The `scope` query parameter, else the configured default; nil when the parameter names no scope.
    private func scope(of request: LogoutRequest) -> RevocationScope? {
        guard let requested = QueryString.value(of: "scope", in: request.query) else { return configuration.defaultScope }
        return RevocationScope(rawValue: requested)
    }

    private enum CookieToken {
        case token(String)
        case refused(Outcome)
    }

    /// The access token of a request that sent none in `Authorization`: the session cookie's, once the
    /// origin and CSRF checks that cookie requests need have passed.
    private func cookieToken(_ request: LogoutRequest, _ cookies: RequestCookies) -> CookieToken {
        let readable: String?
        switch SessionCookie.accessToken(in: cookies, sessionCookieName: configuration.cookieName) {
        case .absent: return .refused(failure(.missingToken))
        case .found(let value): readable = value
        case .unreadable: readable = nil
        }
        guard originPolicy.permits(origin: request.origin, secFetchSite: request.secFetchSite) else {
            return .refused(failure(.originNotAllowed))
        }
        let sessionID = configuration.csrfSecret == nil ? nil : readable.flatMap(UnverifiedClaims.sessionID)
        switch csrf.check(header: request.csrfHeader, cookie: cookies[configuration.csrfCookie], sessionID: sessionID) {
        case .missing: return .refused(failure(.csrfTokenMissing))
        case .invalid: return .refused(failure(.csrfTokenInvalid))
        case nil: break
        }
        guard let readable else {
            let clearing = headers.clearingHeaders(cookies: cookies, secureRequest: request.isSecureContext)
            return .refused(failure(.invalidToken, clearing: clearing))
        }
        return .token(readable)
    }

    private func verifyAndRevoke(token: String, scope: RevocationScope, requestID: String?, clearing: [HTTPHeader]) async -> Outcome {
        let claims: SessionClaims
        switch await verifier.verify(token, now: now()) {
        case .failure(.expired): return failure(.tokenExpired, clearing: clearing)
        case .failure(.invalid): return failure(.invalidToken, clearing: clearing)
        // The key could not be looked up: nothing is known about the token, so the client retries.
        case .failure(.keysUnavailable): return failure(.sessionInvalidationFailed)
        case .success(let verified): claims = verified
        }

        let revocation = await revoker.revoke(accessToken: token, scope: scope, requestID: requestID)
        var outcome: Outcome
        switch revocation.result {
        case .revoked:
            // With scope "others" this session stays signed in, as supabase-js does: its cookies stay.
            var response = Response(status: 200, headers: headers.base, body: #"{"data":{"success":true}}"#)
            if scope != .others { response.appendWhileHeadFits(clearing) }
            outcome = Outcome(response: response, error: nil)
        case .sessionDead(.sessionNotFound):
            outcome = failure(.sessionNotFound, clearing: clearing)
        case .sessionDead(.tokenExpired):
            outcome = failure(.tokenExpired, clearing: clearing)
        case .sessionDead(.invalidToken):
            outcome = failure(.invalidToken, clearing: clearing)
        case .failed:
            outcome = failure(.sessionInvalidationFailed)
        }
        outcome.revocation = revocation
        outcome.claims = claims
        return outcome
    }

    /// `Authorization: Bearer <token>`, the scheme case-insensitive. Works on the UTF-8 bytes: a
    /// Foundation trim of a kilobyte-long token costs more than the rest of the request's checks.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let bytes = authorization.utf8
        guard bytes.count > 7 else { return nil }
        let index = bytes.index(bytes.startIndex, offsetBy: 6)
        guard ASCII.caseInsensitiveEqual(bytes[..<index], "bearer".utf8), bytes[index] == UInt8(ascii: " ") else {
            return nil
        }
        var start = bytes.index(after: index)
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") {
            start = bytes.index(after: start)
        }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before] == UInt8(ascii: " ") || bytes[before] == UInt8(ascii: "\t") else { break }
            end = before
        }
        guard start < end else { return nil }
        return String(authorization[start..<end])
    }

    /// An error answer; `clearing` is added only for the codes that clear cookies.
    func failure(_ error: LogoutError, clearing: [HTTPHeader] = []) -> Outcome {
        var response = Self.errorResponse(error, headers: headers.base)
        if error.clearsCookies { response.appendWhileHeadFits(clearing) }
        return Outcome(response: response, error: error)
    }

    static func errorResponse(_ error: LogoutError, headers: [HTTPHeader]) -> Response {
        Response(status: error.status, headers: headers, body: error.body)
    }

    /// The base headers, for the router's own answers.
    var baseHeaders: [HTTPHeader] { headers.base }
}
