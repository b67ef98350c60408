import Foundation
import JWTKit
import SupabaseAuth
import Synchronization
import Testing

/// A JWKS endpoint as the verifier's fetch closure sees it: serves the current document,
/// counts fetches, can fail, and can hold a fetch until released.
private final class FakeJWKSEndpoint: Sendable {
    private struct State {
        var document: [UInt8]
        var failing = false
        var fetchCount = 0
        var holding = false
        var heldFetches: [CheckedContinuation<Void, Never>] = []
    }

    private struct Unavailable: Error {}

    private let state: Mutex<State>

    init(document: [UInt8]) {
        state = Mutex(State(document: document))
    }

    var fetchCount: Int { state.withLock { $0.fetchCount } }

    func serve(_ document: [UInt8]) { state.withLock { $0.document = document } }
    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }
    func holdFetches() { state.withLock { $0.holding = true } }

    func releaseFetches() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.heldFetches = [] }
            return state.heldFetches
        }
        held.forEach { $0.resume() }
    }

    var source: JWKSSource {
        .url(fetch: { try await self.fetch() })
    }

    private func fetch() async throws -> [UInt8] {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state in
                state.fetchCount += 1
                if state.holding { state.heldFetches.append(continuation) }
                return !state.holding
            }
            if proceed { continuation.resume() }
        }
        return try state.withLock { state in
            if state.failing { throw Unavailable() }
            return state.document
        }
    }
}

/// Counts the verifier's JWKS load reports.
private final class LoadReports: Sendable {
    private let counts = Mutex((succeeded: 0, failed: 0))
    var succeeded: Int { counts.withLock { $0.succeeded } }
    var failed: Int { counts.withLock { $0.failed } }
    func record(_ succeeded: Bool) {
        counts.withLock { succeeded ? ($0.succeeded += 1) : ($0.failed += 1) }
    }
}

@Suite("JWKS refetch")
struct JWKSRefetchTests {
    let now = TokenMint.now
    let oldKey = ES256PrivateKey()
    let rotatedKey = ES256PrivateKey()

    private func token(_ key: ES256PrivateKey, kid: String) async throws -> String {
        try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: kid), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.signer(key))
    }

    private func verifier(
        _ endpoint: FakeJWKSEndpoint, reports: LoadReports = LoadReports()
    ) async throws -> TokenVerifier {
        try await TokenVerifier(
            hmacSecret: nil, jwks: endpoint.source, jwksRefetchInterval: .seconds(60), logger: TokenMint.silentLogger,
            onJWKSLoad: { reports.record($0) })
    }

    @Test func fetchesTheJWKSAtStart() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let reports = LoadReports()
        let verifier = try await verifier(endpoint, reports: reports)
        #expect(endpoint.fetchCount == 1)
        #expect(reports.succeeded == 1)
        #expect(try await verifier.verify(try await token(oldKey, kid: "old"), now: now).get().subject == TokenMint.userID)
        #expect(endpoint.fetchCount == 1)
    }

    @Test func refetchesForAnUnknownKeyIDAndFindsTheRotatedKey() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old"), TokenMint.jwk(rotatedKey, kid: "new")]))

        let result = await verifier.verify(try await token(rotatedKey, kid: "new"), now: now)
        #expect(try result.get().sessionID == TokenMint.sessionID)
        #expect(endpoint.fetchCount == 2)
        #expect(verifier.jwksKeyCount == 2)
    }

    @Test func refetchesAtMostOncePerInterval() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        let unknown = try await token(rotatedKey, kid: "new")

        #expect(await verifier.verify(unknown, now: now) == .failure(.invalid))
        #expect(endpoint.fetchCount == 2)

        // The key is published now, but within the interval nobody asks for it.
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")]))
        #expect(await verifier.verify(unknown, now: now.addingTimeInterval(59)) == .failure(.invalid))
        #expect(await verifier.verify(try await token(rotatedKey, kid: "other"), now: now.addingTimeInterval(30)) == .failure(.invalid))
        #expect(endpoint.fetchCount == 2)

        #expect(try await verifier.verify(unknown, now: now.addingTimeInterval(60)).get().subject == TokenMint.userID)
        #expect(endpoint.fetchCount == 3)
    }

    @Test func aClockThatWentBackDoesNotBlockRefetches() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        #expect(await verifier.verify(try await token(rotatedKey, kid: "new"), now: now) == .failure(.invalid))
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")]))
        let earlier = now.addingTimeInterval(-3600)
        let token = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "new"),
            payload: TokenMint.supabaseClaims(exp: earlier.addingTimeInterval(3600)),
            signer: await TokenMint.signer(rotatedKey))
        #expect(try await verifier.verify(token, now: earlier).get().subject == TokenMint.userID)
        #expect(endpoint.fetchCount == 3)
    }

    @Test func concurrentMissesShareOneFetch() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")]))
        endpoint.holdFetches()
        let token = try await token(rotatedKey, kid: "new")
        let now = self.now

        let results = await withTaskGroup(of: Result<SessionClaims, TokenRejection>.self) { group in
            for _ in 0..<8 {
                group.addTask { await verifier.verify(token, now: now) }
            }
            // Release the refetch once it has started; every miss meanwhile must wait for it.
            for _ in 0..<2000 where endpoint.fetchCount < 2 {
                try? await Task.sleep(for: .milliseconds(1))
            }
            endpoint.releaseFetches()
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { (try? $0.get().subject) == TokenMint.userID })
        #expect(endpoint.fetchCount == 2)
    }

    @Test func aFailedStartFetchIsNotFatalAndALaterMissRecovers() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        endpoint.fail(true)
        let reports = LoadReports()
        let verifier = try await verifier(endpoint, reports: reports)
        #expect(reports.failed == 1)
        #expect(verifier.jwksKeyCount == 0)

        let token = try await token(oldKey, kid: "old")
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
        #expect(reports.failed == 2)

        endpoint.fail(false)
        #expect(try await verifier.verify(token, now: now.addingTimeInterval(61)).get().subject == TokenMint.userID)
        #expect(reports.succeeded == 1)
        #expect(endpoint.fetchCount == 3)
    }

    @Test func aFailedOrEmptyRefetchKeepsTheKeysHeld() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        let oldToken = try await token(oldKey, kid: "old")

        endpoint.fail(true)
        await #expect(throws: TokenVerifierError.self) { try await verifier.reload() }
        endpoint.fail(false)
        endpoint.serve(Array(#"{"keys":[]}"#.utf8))
        await #expect(throws: TokenVerifierError.jwksHasNoUsableKeys) { try await verifier.reload() }
        endpoint.serve(Array("<html>".utf8))
        await #expect(throws: TokenVerifierError.jwksMalformed) { try await verifier.reload() }

        #expect(verifier.jwksKeyCount == 1)
        #expect(try await verifier.verify(oldToken, now: now).get().subject == TokenMint.userID)
    }

    @Test func reloadReplacesTheKeysOfAFile() async throws {
        let path = try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await TokenVerifier(hmacSecret: nil, jwks: .file(path: path), logger: TokenMint.silentLogger)
        let oldToken = try await token(oldKey, kid: "old")
        let newToken = try await token(rotatedKey, kid: "new")
        #expect(await verifier.verify(newToken, now: now) == .failure(.invalid))

        try Data(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")])).write(to: URL(fileURLWithPath: path))
        // A file source is read only at start and on reload, never because of a token.
        #expect(await verifier.verify(newToken, now: now.addingTimeInterval(3600)) == .failure(.invalid))
        try await verifier.reload()

        #expect(try await verifier.verify(newToken, now: now).get().subject == TokenMint.userID)
        #expect(await verifier.verify(oldToken, now: now) == .failure(.invalid))
    }
}
