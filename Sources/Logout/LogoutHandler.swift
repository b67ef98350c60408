import FastCGI
import FoundationEssentials
import HTTPHeaders
import POSIXSupport
import SupabaseAuth

/// `POST /api/auth/logout`: the checks in the contract's order, each answered on the worker thread that read the request,
/// then the token check and the revocation in a deferred reply that holds a slot but no thread.
public struct LogoutHandler: Sendable {
    let configuration: LogoutConfiguration
    let verifier: any AccessTokenVerifying
    let revoker: any SessionRevoking
    let now: @Sendable () -> Date
    let headers: ResponseHeaders
    private let originPolicy: OriginPolicy
    private let csrf: CSRFCheck
    private let overloaded: FastCGIResponse

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
        public var response: FastCGIResponse
        /// The error code, nil on success.
        public var error: LogoutError?
        /// One per session sent to Supabase Auth, in the order the request held them.
        public var revocations: [RevocationOutcome] = []
        /// The first session's verified claims.
        public var claims: SessionClaims?
    }

    public enum Reply: Sendable {
        case now(Outcome)
        case later(whenOverloaded: FastCGIResponse, work: @Sendable () async -> Outcome)
    }

    public func handle(_ request: LogoutRequest) -> Reply {
        if request.bodyTooLarge { return .now(failure(.payloadTooLarge)) }
        guard let scope = scope(of: request) else { return .now(failure(.invalidScope)) }
        let cookies = RequestCookies(header: request.cookieHeader)
        let sessions: [SessionCookie.Session]
        if let bearer = Self.bearerToken(request.authorization) {
            // The caller holds the refresh token and refreshes first, as supabase-js does.
            sessions = [SessionCookie.Session(accessToken: bearer, refreshToken: nil)]
        } else {
            switch cookieSessions(request, cookies) {
            case .sessions(let fromCookies): sessions = fromCookies
            case .refused(let outcome): return .now(outcome)
            }
        }
        let clearing = headers.clearingHeaders(cookies: cookies, secureRequest: request.isSecureContext)
        let requestID = request.requestID
        return .later(whenOverloaded: overloaded) { [self] in
            await end(sessions, scope: scope, requestID: requestID, clearing: clearing)
        }
    }

    /// The `scope` query parameter, else the configured default; nil when the parameter names no scope.
    private func scope(of request: LogoutRequest) -> RevocationScope? {
        guard let requested = QueryString.value(of: "scope", in: request.query) else { return configuration.defaultScope }
        return RevocationScope(rawValue: requested)
    }

    private enum CookieSessions {
        case sessions([SessionCookie.Session])
        case refused(Outcome)
    }

    /// The sessions of a request that sent no token in `Authorization`: the session cookies', once the
    /// origin and CSRF checks that cookie requests need have passed.
    private func cookieSessions(_ request: LogoutRequest, _ cookies: RequestCookies) -> CookieSessions {
        let readable: [SessionCookie.Session]
        switch SessionCookie.sessions(in: cookies, sessionCookieName: configuration.cookieName) {
        case .absent: return .refused(failure(.missingToken))
        case .sessions(let sessions): readable = sessions
        case .unreadable: readable = []
        }
        guard originPolicy.permits(origin: request.origin, secFetchSite: request.secFetchSite) else {
            return .refused(failure(.originNotAllowed))
        }
        let sessionIDs = configuration.csrfSecret == nil ? [] : readable.compactMap { UnverifiedClaims.sessionID(of: $0.accessToken) }
        switch csrf.check(header: request.csrfHeader, cookie: cookies[configuration.csrfCookie], sessionIDs: sessionIDs) {
        case .missing: return .refused(failure(.csrfTokenMissing))
        case .invalid: return .refused(failure(.csrfTokenInvalid))
        case nil: break
        }
        guard !readable.isEmpty else {
            let clearing = headers.clearingHeaders(cookies: cookies, secureRequest: request.isSecureContext)
            return .refused(failure(.invalidToken, clearing: clearing))
        }
        return .sessions(readable)
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

    static func errorResponse(_ error: LogoutError, headers: [HTTPHeader]) -> FastCGIResponse {
        FastCGIResponse(status: error.status, headers: headers, body: error.body)
    }

    /// The base headers, for the router's own answers.
    var baseHeaders: [HTTPHeader] { headers.base }
}
