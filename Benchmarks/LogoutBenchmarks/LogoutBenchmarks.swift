import Benchmark
import FastCGI
import FoundationEssentials
import JWTKit
import Logging
import Logout
import Prometheus
import SupabaseAuth

// The request path in memory, one request per iteration (names without spaces: they are file names
// in Benchmarks/Thresholds): what the responder itself allocates for a
// request, without sockets. Malloc counts are deterministic and checked in CI against the thresholds
// in Benchmarks/Thresholds (see the README); wall time is reported, not checked.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal, .wallClock],
        timeUnits: .microseconds,
        warmupIterations: 100,
        maxDuration: .seconds(2),
        maxIterations: 20_000,
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])])
    Benchmark.setup = { fixture = try await RequestPathFixture() }

    Benchmark("reject-missing-token") { benchmark in
        let request = BenchmarkRequest(params: RequestPathFixture.params(authorization: nil))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(await fixture.answer(request))
        }
    }
    Benchmark("invalid-token-foreign-key") { benchmark in
        let request = BenchmarkRequest(params: RequestPathFixture.params(authorization: "Bearer " + fixture.foreignToken))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(await fixture.answer(request))
        }
    }
    Benchmark("ok-up-to-upstream-call") { benchmark in
        let request = BenchmarkRequest(params: RequestPathFixture.params(authorization: "Bearer " + fixture.validToken))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(await fixture.answer(request))
        }
    }
    Benchmark("reply-writer-200-clearing-cookies") { benchmark in
        let response = await fixture.answer(
            BenchmarkRequest(params: RequestPathFixture.params(authorization: "Bearer " + fixture.validToken)))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(response.wireBytes())
        }
    }
}

nonisolated(unsafe) var fixture: RequestPathFixture!

/// The responder's router as the service assembles it, with the real token verifier and log
/// handler; Supabase Auth answers at once, without a network.
struct RequestPathFixture {
    static let secret = "benchmark-jwt-secret-0123456789abcdef0123456789"
    static let supabaseURL = "https://abcd.supabase.co"
    let router: Router
    let validToken: String
    let foreignToken: String

    init() async throws {
        let settings = SettingsSource(environment: [
            "SUPABASE_URL": Self.supabaseURL, "SUPABASE_ANON_KEY": "anon", "SUPABASE_JWT_SECRET": Self.secret,
            "SUPABASE_JWKS_URL": "none",
        ])
        let configuration = try LogoutConfiguration.load(from: settings)
        let lines = LogLineBuffer(sink: { _ in })
        let logger = Logger(label: "benchmark") { JSONLogHandler(label: $0, level: LogLevelControl(.info), output: lines.append) }
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: Self.secret, jwks: nil, issuer: .fixed(Self.supabaseURL + "/auth/v1"), audience: configuration.jwtAudience,
            logger: logger))
        let handler = LogoutHandler(configuration: configuration, verifier: verifier, revoker: ImmediateRevocation())
        router = Router(logout: handler, metrics: LogoutMetrics(registry: PrometheusCollectorRegistry(), version: "0"), logger: logger)
        validToken = try await Self.token(signedWith: Self.secret)
        foreignToken = try await Self.token(signedWith: "another-secret-0123456789abcdef0123456789")
    }

    /// Routes the request and waits for a deferred reply, as the transport would.
    func answer(_ request: BenchmarkRequest) async -> FastCGIResponse {
        switch router.respond(to: request) {
        case .now(let response): return response
        case .later(let deferred): return await deferred.run()
        }
    }

    /// The params nginx passes for `POST /api/auth/logout`, real-sized.
    static func params(authorization: String?) -> [String: String] {
        var params = [
            "REQUEST_METHOD": "POST", "REQUEST_URI": "/api/auth/logout", "DOCUMENT_URI": "/api/auth/logout",
            "SCRIPT_NAME": "/api/auth/logout", "QUERY_STRING": "", "CONTENT_LENGTH": "", "CONTENT_TYPE": "",
            "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "https", "HTTPS": "on", "HTTP_HOST": "app.example.com",
            "REMOTE_ADDR": "203.0.113.7", "REQUEST_ID": "0123456789abcdef0123456789abcdef",
            "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
            "HTTP_ACCEPT": "*/*", "HTTP_ORIGIN": "https://app.example.com",
        ]
        params["HTTP_AUTHORIZATION"] = authorization
        return params
    }

    /// A Supabase-shaped access token, HS256.
    static func token(signedWith secret: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let now = Date()
        return try await keys.sign(BenchmarkClaims(
            iss: supabaseURL + "/auth/v1", sub: UUID().uuidString.lowercased(), aud: "authenticated",
            exp: now.addingTimeInterval(3600).timeIntervalSince1970, iat: now.timeIntervalSince1970,
            session_id: UUID().uuidString.lowercased(), email: "someone@example.com", role: "authenticated"))
    }
}

/// The params a request carries, held in a dictionary (the transport looks them up in libfcgi's block).
struct BenchmarkRequest: RequestView {
    var params: [String: String]
    var bodyTooLarge: Bool { false }

    func param(_ name: String) -> String? {
        params[name]
    }
}

struct ImmediateRevocation: SessionRevoking {
    func endSession(
        _ session: SessionCredentials, scope: RevocationScope, requestID: String?, deadline: ContinuousClock.Instant
    ) async -> RevocationOutcome {
        RevocationOutcome(result: .revoked, attempts: 1, upstreamStatus: 204, duration: .zero)
    }
}

struct BenchmarkClaims: JWTPayload {
    var iss, sub, aud: String
    var exp, iat: Double
    var session_id, email, role: String

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
