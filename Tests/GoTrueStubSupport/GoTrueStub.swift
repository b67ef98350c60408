import FoundationEssentials

/// A running local stand-in for Supabase Auth (GoTrue): `Tests/Stub/gotrue_stub.py` in a child process.
///
/// ```swift
/// let stub = try GoTrueStub.start()
/// defer { stub.stop() }
/// let session = try stub.createSession()
/// // point the code under test at stub.url with stub.anonKey, log out session.accessToken …
/// #expect(try stub.liveSessions(userID: session.userID).isEmpty)
/// ```
///
/// The public API at ``url`` answers logout, the refresh-token grant and the JWKS as Supabase Auth does;
/// the admin API at ``adminURL`` creates sessions, injects faults and reports the requests received.
public final class GoTrueStub: Sendable {
    /// The `apikey` the stand-in's gateway accepts unless told otherwise.
    public static let defaultAnonKey = "test-anon-key-0123456789abcdef"
    /// The HS256 secret unless told otherwise; 32 bytes or more, as JWT libraries require of HMAC keys.
    public static let defaultJWTSecret = "test-jwt-secret-0123456789abcdef-0123456789"

    /// `SUPABASE_URL` for the code under test, e.g. `http://127.0.0.1:41234`.
    public let url: String
    /// Base URL of the admin API.
    public let adminURL: String
    /// The `apikey` the public API accepts.
    public let anonKey: String
    /// The HS256 secret access tokens are signed with (`SUPABASE_JWT_SECRET`).
    public let jwtSecret: String
    /// The JWKS of the public API (holds the stand-in's ES256 key when `cryptography` is installed).
    public var jwksURL: String { url + "/auth/v1/.well-known/jwks.json" }

    private let process: StubProcess

    private init(url: String, adminURL: String, anonKey: String, jwtSecret: String, process: StubProcess) {
        self.url = url
        self.adminURL = adminURL
        self.anonKey = anonKey
        self.jwtSecret = jwtSecret
        self.process = process
    }

    /// Starts a stand-in on two free loopback ports and waits (30 s at most) until both accept.
    /// Dozens start at once when the tests run in parallel, each a Python process that loads its
    /// crypto library: on a busy two-core host that alone has taken more than 10 s.
    public static func start(
        anonKey: String = GoTrueStub.defaultAnonKey, jwtSecret: String = GoTrueStub.defaultJWTSecret
    ) throws -> GoTrueStub {
        let arguments = [
            "--port", "0", "--admin-port", "0", "--anon-key", anonKey, "--jwt-secret", jwtSecret,
            "--exit-on-stdin-eof",
        ]
        let (process, line) = try StubProcess.launch(script: scriptPath, arguments: arguments, readyTimeout: 30)
        let words = line.split(separator: " ").map(String.init)
        guard words.count == 3, words[0] == "READY" else {
            process.stop()
            throw GoTrueStubError.notReady("unexpected first line")
        }
        return GoTrueStub(url: words[1], adminURL: words[2], anonKey: anonKey, jwtSecret: jwtSecret, process: process)
    }

    /// Stops the stand-in and waits for it to exit. Safe to call more than once; `deinit` calls it too.
    public func stop() {
        process.stop()
    }

    deinit {
        process.stop()
    }

    /// `Tests/Stub/gotrue_stub.py`, found from this file's place in the repository.
    static var scriptPath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // GoTrueStubSupport
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Stub")
            .appendingPathComponent("gotrue_stub.py")
            .path
    }
}
