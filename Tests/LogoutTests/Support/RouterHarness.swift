import Crypto
import FastCGI
import Foundation
import GoTrueStubSupport
import HTTPClient
import Logging
import Prometheus
import SupabaseAuth

@testable import Logout

/// The router with its real verifier and real libcurl revocation client, pointed at the Supabase Auth
/// stand-in; requests go in as CGI params, in memory, without a socket.
struct RouterHarness {
    static let silent = Logger(label: "router-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    /// One stand-in for the whole test run; each harness works on sessions of its own.
    static let sharedStub = SharedStub()
    static let http: HTTPClient = try! HTTPClient(userAgent: "logout-fcgi-tests", logger: silent)

    let stub: GoTrueStub
    let router: Router
    let registry: PrometheusCollectorRegistry
    let configuration: LogoutConfiguration

    init(
        _ settings: [String: String] = [:], stub: GoTrueStub? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) async throws {
        let stub = if let stub { stub } else { try await Self.sharedStub.value }
        self.stub = stub
        let environment = [
            "SUPABASE_URL": stub.url, "SUPABASE_ANON_KEY": stub.anonKey, "SUPABASE_JWT_SECRET": stub.jwtSecret,
        ].merging(settings) { $1 }
        configuration = try LogoutConfiguration.load(from: SettingsSource(environment: environment))
        let verifier = try await TokenVerifier(configuration: .init(hmacSecret: configuration.jwtSecret, jwks: nil, logger: Self.silent))
        let revoker = RevocationClient(
            http: Self.http, supabaseURL: configuration.supabaseURL, anonKey: configuration.anonKey,
            timeout: configuration.upstreamTimeout, userAgent: "logout-fcgi-tests", logger: Self.silent)
        registry = PrometheusCollectorRegistry()
        router = Router(
            logout: LogoutHandler(configuration: configuration, verifier: verifier, revoker: revoker, now: now),
            metrics: LogoutMetrics(registry: registry, version: "test"), logger: Self.silent)
    }

    /// Sends one request and returns what the transport would write, awaiting a deferred reply.
    /// The samples `/metrics` exports, each a whole line (`name{labels} value`), so a count of 1 is
    /// not matched by one of 10.
    func metricSamples() async -> Set<Substring> {
        Set(await send(method: "GET", path: "/metrics").body.split(separator: "\n"))
    }

    func send(
        method: String = "POST", path: String = "/api/auth/logout", query: String = "",
        headers: [String: String] = [:], host: String = "localhost", bodyTooLarge: Bool = false
    ) async -> FastCGIResponse {
        var params = ["REQUEST_METHOD": method, "DOCUMENT_URI": path, "QUERY_STRING": query, "HTTP_HOST": host]
        for (name, value) in headers {
            params["HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] = value
        }
        let request = TestRequest(params: params, bodyTooLarge: bodyTooLarge)
        switch router.respond(to: request) {
        case .now(let response): return response
        case .later(let deferred): return await deferred.run()
        }
    }

    func bearer(_ token: String, query: String = "", extra: [String: String] = [:]) async -> FastCGIResponse {
        await send(query: query, headers: ["Authorization": "Bearer \(token)"].merging(extra) { $1 })
    }

    /// A cookie request for these sessions, each in its own copy of the session cookie, with a matching CSRF pair.
    func cookieLogout(_ sessions: [StubSession], withRefreshTokens: Bool = true, query: String = "") async -> FastCGIResponse {
        let copies = sessions.map {
            "sb-127-auth-token=" + TestToken.sessionCookie($0.accessToken, refreshToken: withRefreshTokens ? $0.refreshToken : nil)
        }
        return await send(query: query, headers: ["Cookie": (copies + ["csrf_token=c5rf"]).joined(separator: "; "), "X-CSRF-Token": "c5rf"])
    }

    /// Every request that reached the stand-in's logout endpoint carrying this token.
    func upstreamLogouts(of token: String) throws -> [StubRequest] {
        try stub.requests().filter { $0.path == "/auth/v1/logout" && $0.headers["authorization"] == "Bearer \(token)" }
    }
}

/// HS256 tokens with Supabase's claims, signed here so a test can choose the key and the expiry.
enum TestToken {
    static func hs256(secret: String, sessionID: String = UUID().uuidString.lowercased(), expiresAt: Date) -> String {
        let header = #"{"alg":"HS256","typ":"JWT"}"#
        let claims = """
            {"aud":"authenticated","exp":\(Int(expiresAt.timeIntervalSince1970)),"iat":\(Int(expiresAt.timeIntervalSince1970) - 3600),\
            "sub":"\(UUID().uuidString.lowercased())","session_id":"\(sessionID)","role":"authenticated","aal":"aal1",\
            "amr":[{"method":"password","timestamp":1}],"is_anonymous":false}
            """
        let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The `@supabase/ssr` cookie value of a session holding `accessToken` (and `refreshToken`, when given).
    static func sessionCookie(_ accessToken: String, refreshToken: String? = nil) -> String {
        let refresh = refreshToken.map { #","refresh_token":"\#($0)""# } ?? ""
        return "base64-" + base64URL(Data(#"{"access_token":"\#(accessToken)"\#(refresh),"token_type":"bearer"}"#.utf8))
    }
}
