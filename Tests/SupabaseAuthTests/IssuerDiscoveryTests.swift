import Foundation
import GoTrueStubSupport
import HTTPClient
import Logging
import Synchronization
import Testing

@testable import SupabaseAuth

/// The openid-configuration endpoint as the verifier's fetch closure sees it.
private final class FakeDiscovery: Sendable {
    private let answer = Mutex<IssuerDiscoveryAnswer?>(nil)
    private let count = Mutex(0)

    struct Unavailable: Error {}

    init(_ answer: IssuerDiscoveryAnswer?) { self.answer.withLock { $0 = answer } }

    func serve(_ next: IssuerDiscoveryAnswer?) { answer.withLock { $0 = next } }
    var fetches: Int { count.withLock { $0 } }

    var rule: IssuerRule {
        .discovered(projectIssuer: TokenMint.issuer) {
            self.count.withLock { $0 += 1 }
            guard let answer = self.answer.withLock({ $0 }) else { throw Unavailable() }
            return answer
        }
    }
}

/// Log lines, kept for the test to read.
private final class LogLines: Sendable {
    let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])

    var logger: Logger {
        Logger(label: "issuer-tests") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.lines.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
        }
    }

    func issuerLines() -> [(Logger.Level, String)] {
        lines.withLock { lines in
            lines.filter { $0.2["jwt.issuer_source"] != nil }.map { ($0.0, $0.1) }
        }
    }
}

@Suite("Issuer discovery")
struct IssuerDiscoveryTests {
    let now = TokenMint.now
    static let customDomainIssuer = "https://auth.example.com/auth/v1"

    func verifier(_ rule: IssuerRule, logger: Logger = TokenMint.silentLogger) async throws -> TokenVerifier {
        let now = self.now
        return try await TokenVerifier(configuration: .init(
            hmacSecret: TokenMint.hmacSecret, jwks: nil, issuer: rule, logger: logger, now: { now },
            sleep: { try await Task.sleep(for: $0) }))
    }

    func token(issuer: String?) async throws -> String {
        try TokenMint.token(
            header: TokenMint.header(alg: "HS256"), payload: TokenMint.supabaseClaims(issuer: issuer.map { #""\#($0)""# }),
            signer: await TokenMint.hmacSigner())
    }

    func verdict(_ verifier: TokenVerifier, issuer: String?) async throws -> Result<SessionClaims, TokenRejection> {
        await verifier.verify(try await token(issuer: issuer), now: now)
    }

    func passes(_ verifier: TokenVerifier, issuer: String?) async throws -> Bool {
        (try? await verdict(verifier, issuer: issuer).get()) != nil
    }

    @Test func untilTheFirstAnswerOnlyTheProjectsIssuerPasses() async throws {
        let discovery = FakeDiscovery(nil)
        let verifier = try await verifier(discovery.rule)
        #expect(discovery.fetches == 1)
        #expect(try await passes(verifier, issuer: TokenMint.issuer))
        #expect(try await verdict(verifier, issuer: Self.customDomainIssuer) == .failure(.issuerNotKnownYet))
        #expect(try await verdict(verifier, issuer: nil) == .failure(.issuerNotKnownYet))
    }

    @Test func theDiscoveredIssuerIsTheOneThatPasses() async throws {
        let verifier = try await verifier(FakeDiscovery(.issuer(Self.customDomainIssuer, maxAge: nil)).rule)
        #expect(try await passes(verifier, issuer: Self.customDomainIssuer))
        #expect(try await verdict(verifier, issuer: TokenMint.issuer) == .failure(.invalid))
        #expect(try await verdict(verifier, issuer: nil) == .failure(.invalid))
    }

    @Test func anEmptyDiscoveredIssuerMeansTokensCarryNone() async throws {
        let verifier = try await verifier(FakeDiscovery(.issuer("", maxAge: nil)).rule)
        #expect(try await passes(verifier, issuer: nil))
        #expect(try await verdict(verifier, issuer: TokenMint.issuer) == .failure(.invalid))
    }

    @Test func anOlderSupabaseAuthWithoutTheDocumentLetsTheProjectsIssuerOrNonePass() async throws {
        let lines = LogLines()
        let verifier = try await verifier(FakeDiscovery(.notServed).rule, logger: lines.logger)
        #expect(try await passes(verifier, issuer: TokenMint.issuer))
        #expect(try await passes(verifier, issuer: nil))
        #expect(try await verdict(verifier, issuer: Self.customDomainIssuer) == .failure(.invalid))
        #expect(lines.issuerLines().filter { $0.0 == .warning }.count == 1)
    }

    @Test func aFixedIssuerIsNeverFetchedAndNoneIsNotChecked() async throws {
        let fixed = try await verifier(.fixed(Self.customDomainIssuer))
        #expect(try await passes(fixed, issuer: Self.customDomainIssuer))
        #expect(try await verdict(fixed, issuer: TokenMint.issuer) == .failure(.invalid))
        let unchecked = try await verifier(.unchecked)
        #expect(try await passes(unchecked, issuer: "https://anything.example/auth/v1"))
        #expect(try await passes(unchecked, issuer: nil))
    }

    @Test func theIssuerInUseIsLoggedAtStartAndWhenItChanges() async throws {
        let lines = LogLines()
        let discovery = FakeDiscovery(.issuer(TokenMint.issuer, maxAge: nil))
        let verifier = try await verifier(discovery.rule, logger: lines.logger)
        #expect(lines.issuerLines().map(\.0) == [.info, .info])
        try await verifier.reload()
        #expect(lines.issuerLines().count == 2, "an unchanged issuer is not logged again")
        discovery.serve(.issuer(Self.customDomainIssuer, maxAge: nil))
        try await verifier.reload()
        #expect(lines.issuerLines().count == 3)
        #expect(try await passes(verifier, issuer: Self.customDomainIssuer))
    }

    @Test func aFailedFetchIsRetriedWithBackoffWhateverTheJWKSSource() async throws {
        let discovery = FakeDiscovery(nil)
        let verifier = try await verifier(discovery.rule)
        discovery.serve(.issuer("", maxAge: nil))
        // The first retry is due one second after the failure.
        var known = false
        for _ in 0..<100 where !known {
            try await Task.sleep(for: .milliseconds(50))
            known = try await passes(verifier, issuer: nil)
        }
        #expect(known)
        #expect(discovery.fetches == 2)
    }

    @Test func theDocumentsIssuerIsRead() {
        #expect(OpenIDConfiguration.issuer(in: Array(#"{"jwks_uri":"x","issuer":"https://a/auth/v1","n":[1,{"b":null}]}"#.utf8)) == "https://a/auth/v1")
        #expect(OpenIDConfiguration.issuer(in: Array(#"{"issuer":""}"#.utf8)) == "")
        #expect(OpenIDConfiguration.issuer(in: Array(#"{"jwks_uri":"x"}"#.utf8)) == nil)
        #expect(OpenIDConfiguration.issuer(in: Array(#"{"issuer":5}"#.utf8)) == nil)
        #expect(OpenIDConfiguration.issuer(in: Array("<html>".utf8)) == nil)
    }
}

/// The discovery and the JWKS fetched over real sockets from the stand-in, whose gateway checks `apikey`.
@Suite("Issuer and JWKS from Supabase Auth", .serialized)
struct IssuerAndJWKSFetchTests {
    static let fixture = SharedStubFixture()

    func verifier(_ fixture: StubFixture, jwks: JWKSSource? = nil) async throws -> TokenVerifier {
        try await TokenVerifier(configuration: .init(
            hmacSecret: fixture.stub.jwtSecret, jwks: jwks,
            issuer: .discovered(supabaseURL: fixture.stub.url, apiKey: fixture.stub.anonKey, http: fixture.http, timeout: .seconds(5)),
            logger: TokenMint.silentLogger))
    }

    @Test func aSelfHostedSupabaseWithoutAnIssuerIsDiscoveredWithTheAPIKey() async throws {
        try await Self.fixture.reset { fixture in
            try await fixture.admin { try $0.setIssuer("") }
            let verifier = try await verifier(fixture)
            let session = try await fixture.createSession()
            #expect((try? await verifier.verify(session.accessToken, now: Date()).get())?.sessionID == session.sessionID)
            let discovery = try await fixture.admin { try $0.requests() }.filter { $0.path.hasSuffix("/openid-configuration") }
            #expect(discovery.count == 1)
            #expect(discovery.first?.headers["apikey"] == fixture.stub.anonKey)
        }
    }

    @Test func aCustomDomainsIssuerIsDiscovered() async throws {
        try await Self.fixture.reset { fixture in
            try await fixture.admin { try $0.setIssuer("https://abcd.supabase.co/auth/v1") }
            let verifier = try await verifier(fixture)
            let session = try await fixture.createSession()
            #expect((try? await verifier.verify(session.accessToken, now: Date()).get()) != nil)
        }
    }

    @Test func anOlderSupabaseAuthAnswering404LetsTokensWithoutIssuerPass() async throws {
        try await Self.fixture.reset { fixture in
            try await fixture.admin { try $0.setIssuer("", openIDStatus: 404) }
            let verifier = try await verifier(fixture)
            let session = try await fixture.createSession()
            #expect((try? await verifier.verify(session.accessToken, now: Date()).get()) != nil)
        }
    }

    @Test func aGuardedJWKSIsFetchedWithTheAPIKey() async throws {
        try await Self.fixture.reset { fixture in
            try await fixture.admin { try $0.requireAPIKeyForJWKS() }
            let jwks = JWKSSource.fetched(
                from: fixture.stub.url + "/auth/v1/.well-known/jwks.json", apiKey: fixture.stub.anonKey, http: fixture.http,
                timeout: .seconds(5))
            let verifier = try await verifier(fixture, jwks: jwks)
            #expect(verifier.jwksKeyCount >= 1)
            let jwksRequests = try await fixture.admin { try $0.requests() }.filter { $0.path.hasSuffix("/jwks.json") }
            #expect(jwksRequests.map { $0.headers["apikey"] } == [fixture.stub.anonKey])
        }
    }
}
