import FoundationEssentials
import JWTKit
import SupabaseAuth
import Synchronization
import Testing

/// A JWKS endpoint as the verifier's fetch closure sees it: serves the current document,
/// counts fetches, can fail, and can hold a fetch until released.
private final class FakeJWKSEndpoint: Sendable {
    private struct State {
        var document: [UInt8]
        var maxAge: Duration?
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

    func serve(_ document: [UInt8], maxAge: Duration? = nil) {
        state.withLock {
            $0.document = document
            $0.maxAge = maxAge
        }
    }
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

    private func fetch() async throws -> JWKSAnswer {
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
            return JWKSAnswer(document: state.document, maxAge: state.maxAge)
        }
    }
}

/// The scheduled refresh's waits, ended by the test instead of by time passing.
private final class ControlledSleeps: Sendable {
    private struct State {
        var requested: [Duration] = []
        var pending: CheckedContinuation<Void, any Error>?
    }

    private let state = Mutex(State())

    /// Every wait asked for, in order.
    var requested: [Duration] { state.withLock { $0.requested } }

    func sleep(_ duration: Duration) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                state.withLock { state in
                    state.requested.append(duration)
                    state.pending = continuation
                }
                if Task.isCancelled { cancelPending() }
            }
        } onCancel: {
            cancelPending()
        }
    }

    /// Ends the pending wait as if its time had passed.
    func elapse() {
        state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }?.resume()
    }

    /// Waits (bounded) until `count` waits have been asked for.
    func awaitRequests(_ count: Int) async throws {
        for _ in 0..<2000 where requested.count < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(requested.count == count)
    }

    private func cancelPending() {
        state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }?.resume(throwing: CancellationError())
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
        _ endpoint: FakeJWKSEndpoint, reports: LoadReports = LoadReports(), sleeps: ControlledSleeps = ControlledSleeps(),
        hmacSecret: String? = nil
    ) async throws -> TokenVerifier {
        let now = self.now
        return try await TokenVerifier(configuration: .init(
            hmacSecret: hmacSecret, jwks: endpoint.source, jwksRefetchInterval: .seconds(60), logger: TokenMint.silentLogger,
            onJWKSLoad: { reports.record($0) }, now: { now }, sleep: { try await sleeps.sleep($0) }))
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

    @Test func aFailedStartFetchIsNotFatalAndAnUnknownKeyIsUnavailableNotInvalid() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        endpoint.fail(true)
        let reports = LoadReports()
        let verifier = try await verifier(endpoint, reports: reports, hmacSecret: TokenMint.hmacSecret)
        #expect(reports.failed == 1)
        #expect(verifier.jwksKeyCount == 0)

        let token = try await token(oldKey, kid: "old")
        #expect(await verifier.verify(token, now: now) == .failure(.keysUnavailable))
        #expect(await verifier.verify(token, now: now.addingTimeInterval(1)) == .failure(.keysUnavailable))
        #expect(reports.failed == 2)
        // HS256 tokens do not depend on the JWKS.
        let hs256 = try TokenMint.token(
            header: TokenMint.header(alg: "HS256"), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.hmacSigner())
        #expect(try await verifier.verify(hs256, now: now).get().subject == TokenMint.userID)

        endpoint.fail(false)
        #expect(try await verifier.verify(token, now: now.addingTimeInterval(61)).get().subject == TokenMint.userID)
        #expect(reports.succeeded == 1)
        #expect(endpoint.fetchCount == 3)
    }

    @Test func aFailedOrMalformedRefetchKeepsTheKeysHeld() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        let oldToken = try await token(oldKey, kid: "old")

        endpoint.fail(true)
        await #expect(throws: TokenVerifierError.self) { try await verifier.reload() }
        endpoint.fail(false)
        endpoint.serve(Array("<html>".utf8))
        await #expect(throws: TokenVerifierError.jwksMalformed) { try await verifier.reload() }

        #expect(verifier.jwksKeyCount == 1)
        #expect(try await verifier.verify(oldToken, now: now).get().subject == TokenMint.userID)
    }

    @Test func aKeyGoneFromASuccessfulAnswerIsNoLongerTrusted() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await verifier(endpoint)
        let oldToken = try await token(oldKey, kid: "old")

        endpoint.serve(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")]))
        try await verifier.reload()
        #expect(await verifier.verify(oldToken, now: now.addingTimeInterval(120)) == .failure(.invalid))

        // A project that signs only with its HS256 secret publishes an empty set.
        endpoint.serve(Array(#"{"keys":[]}"#.utf8))
        try await verifier.reload()
        #expect(verifier.jwksKeyCount == 0)
        #expect(await verifier.verify(try await token(rotatedKey, kid: "new"), now: now.addingTimeInterval(240)) == .failure(.invalid))
    }

    @Test func theNextFetchWaitsForTheMaxAgeOfTheLastAnswerAndDropsARemovedKey() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]), maxAge: .seconds(120))
        let sleeps = ControlledSleeps()
        let verifier = try await verifier(endpoint, sleeps: sleeps)
        let oldToken = try await token(oldKey, kid: "old")
        try await sleeps.awaitRequests(1)
        #expect(sleeps.requested == [.seconds(120)])
        #expect(try await verifier.verify(oldToken, now: now).get().subject == TokenMint.userID)

        endpoint.serve(TokenMint.jwks([TokenMint.jwk(rotatedKey, kid: "new")]), maxAge: .seconds(300))
        sleeps.elapse()
        try await sleeps.awaitRequests(2)

        #expect(endpoint.fetchCount == 2)
        #expect(sleeps.requested.last == .seconds(300))
        #expect(await verifier.verify(oldToken, now: now) == .failure(.invalid))
        #expect(try await verifier.verify(try await token(rotatedKey, kid: "new"), now: now).get().subject == TokenMint.userID)
    }

    @Test(arguments: [
        (Duration?.none, Duration.seconds(600)), (.seconds(0), .seconds(5)), (.seconds(1), .seconds(5)),
        (.seconds(86_400), .seconds(3600)),
    ])
    func theMaxAgeIsClamped(maxAge: Duration?, wait: Duration) async throws {
        let endpoint = FakeJWKSEndpoint(document: [])
        endpoint.serve(TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]), maxAge: maxAge)
        let sleeps = ControlledSleeps()
        let verifier = try await verifier(endpoint, sleeps: sleeps)
        try await sleeps.awaitRequests(1)
        #expect(sleeps.requested == [wait])
        #expect(verifier.jwksKeyCount == 1)
    }

    @Test func anUnreachableJWKSIsRetriedWithBackoffFromOneSecond() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        endpoint.fail(true)
        let sleeps = ControlledSleeps()
        let verifier = try await verifier(endpoint, sleeps: sleeps)
        for expected in 1...7 {
            try await sleeps.awaitRequests(expected)
            sleeps.elapse()
        }
        try await sleeps.awaitRequests(8)
        #expect(sleeps.requested == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(verifier.jwksKeyCount == 0)

        endpoint.fail(false)
        sleeps.elapse()
        try await sleeps.awaitRequests(9)
        #expect(sleeps.requested.last == .seconds(600))
        #expect(verifier.jwksKeyCount == 1)
        #expect(endpoint.fetchCount == 9)
    }

    @Test func aReplacedVerifierStopsItsScheduledRefresh() async throws {
        let endpoint = FakeJWKSEndpoint(document: TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let sleeps = ControlledSleeps()
        var verifier: TokenVerifier? = try await verifier(endpoint, sleeps: sleeps)
        try await sleeps.awaitRequests(1)
        #expect(verifier?.jwksKeyCount == 1)

        verifier = nil
        sleeps.elapse()  // no effect once the wait was cancelled
        for _ in 0..<100 { await Task.yield() }
        #expect(endpoint.fetchCount == 1)
        #expect(sleeps.requested.count == 1)
    }

    @Test func reloadReplacesTheKeysOfAFile() async throws {
        let path = try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(oldKey, kid: "old")]))
        let verifier = try await TokenVerifier(configuration: .init(hmacSecret: nil, jwks: .file(path: path), logger: TokenMint.silentLogger))
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
