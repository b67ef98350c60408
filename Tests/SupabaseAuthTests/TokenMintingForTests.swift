import FoundationEssentials
import JWTKit
import Logging

/// Builds access tokens and key sets for the verifier's tests: tokens are assembled by hand
/// (so headers and claims can be anything) and signed with jwt-kit's algorithms.
enum TokenMint {
    /// A realistic HS256 secret (40 bytes, like a hosted project's legacy JWT secret).
    static let hmacSecret = "tTqaCoWbWRi9SCj6XePiXUybx0nm8bDDQYZdQZ7y"
    static let otherHMACSecret = "Zq2u0r1r0yAbJ7BfQ6bL3s5vOZ3nF0v9wKcMzY4p"

    /// A fixed instant the tests measure from, so every run sees the same clock.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    static let issuer = "https://abcdefghijklmnop.supabase.co/auth/v1"
    static let userID = "8ccaa7af-909f-44e7-84cb-67cdccb56be6"
    static let sessionID = "a6cba9b8-1b8e-4f3f-9c2e-6c5b2b0e7e11"

    static let silentLogger = Logger(label: "token-verifier-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacing("+", with: "-")
            .replacing("/", with: "_")
            .replacing("=", with: "")
    }

    static func base64URL(_ text: String) -> String {
        base64URL(Array(text.utf8))
    }

    /// `header.payload.signature`, signed by `signer`.
    static func token(header: String, payload: String, signer: any JWTAlgorithm) throws -> String {
        let signingInput = base64URL(header) + "." + base64URL(payload)
        let signature = try signer.sign(Array(signingInput.utf8))
        return signingInput + "." + base64URL(signature)
    }

    /// `header.payload.` with an empty signature.
    static func unsignedToken(header: String, payload: String) -> String {
        base64URL(header) + "." + base64URL(payload) + "."
    }

    static func header(alg: String, kid: String? = nil) -> String {
        if let kid {
            return #"{"alg":"\#(alg)","kid":"\#(kid)","typ":"JWT"}"#
        }
        return #"{"alg":"\#(alg)","typ":"JWT"}"#
    }

    /// The claims Supabase Auth puts in an access token, `aud` and `amr` in their real shapes.
    static func supabaseClaims(
        sub: String? = userID,
        sessionID: String? = sessionID,
        exp: Date? = now.addingTimeInterval(3600),
        issuer: String? = #""\#(issuer)""#,
        audience: String? = #""authenticated""#
    ) -> String {
        var members = [
            #""iat":\#(Int(now.timeIntervalSince1970) - 60)"#,
            #""email":"someone@example.com""#,
            #""phone":"""#,
            #""app_metadata":{"provider":"email","providers":["email","github"]}"#,
            #""user_metadata":{"email_verified":true,"full_name":"Someone"}"#,
            #""role":"authenticated""#,
            #""aal":"aal1""#,
            #""amr":[{"method":"password","timestamp":1749990000}]"#,
            #""is_anonymous":false"#,
        ]
        if let issuer { members.append(#""iss":\#(issuer)"#) }
        if let audience { members.append(#""aud":\#(audience)"#) }
        if let sub { members.append(#""sub":"\#(sub)""#) }
        if let sessionID { members.append(#""session_id":"\#(sessionID)""#) }
        if let exp { members.append(#""exp":\#(Int(exp.timeIntervalSince1970))"#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func hmacSigner(secret: String = hmacSecret) async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "k")
        return try await keys.getKey(for: "k")
    }

    static func signer(_ key: ES256PrivateKey) async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: "k")
        return try await keys.getKey(for: "k")
    }

    static func signer(_ key: Insecure.RSA.PrivateKey) async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: "k")
        return try await keys.getKey(for: "k")
    }

    /// The public half of `key` as a JWKS entry, as Supabase publishes it.
    static func jwk(_ key: ES256PrivateKey, kid: String) -> String {
        let (x, y) = key.publicKey.parameters!
        return #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"\#(kid)","alg":"ES256","use":"sig","key_ops":["verify"],"ext":true}"#
    }

    static func jwk(_ key: Insecure.RSA.PrivateKey, kid: String) throws -> String {
        let (modulus, exponent) = try key.publicKey.getKeyPrimitives()
        return #"{"kty":"RSA","n":"\#(base64URL(modulus))","e":"\#(base64URL(exponent))","kid":"\#(kid)","alg":"RS256","use":"sig"}"#
    }

    static func jwks(_ entries: [String]) -> [UInt8] {
        Array(#"{"keys":[\#(entries.joined(separator: ","))]}"#.utf8)
    }

    /// Writes `bytes` to a fresh file in the temporary directory and returns its path.
    static func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A 2048-bit RSA key made for these tests only (swift-crypto generates RSA keys only
    /// through a module the test target does not import).
    static func rsaKey() throws -> Insecure.RSA.PrivateKey {
        try Insecure.RSA.PrivateKey(pem: rsaTestKeyPEM)
    }

    private static let rsaTestKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCv7zxSGcAVqTU8
WTcFXM1PHvbW4LKdg38BUoJxVmqopx0BVLDHuYhp4M7itMnMUhJKVKNNEi/vpsfr
mKv6rCCsa5Z+RRhO6ZagOHPWSyvKfEohx8dP7pOsymeKmxAnOYvgzbNcqjDwZvNr
D3cFpcASYCl+uIMbG2WFHL0MA036iZoCj3T+fFyJMV+iiSlVyQxuxHE3jnvFCdV9
E9PaFi/JN8qy4AUQNSQeztql91kLj7eiD5vxXrAoKKdZbTtCQbzxkc5R36RHJG99
zi1bCNcTZcpBscFHfiTaIKrAbuS+3t9BR586C/IA6eK9xOlSDeX/IWPjnEfWJE13
AGgeRpbdAgMBAAECggEAGOs/NXe9O7QwPKB8SQ+oasz9dFj2I5ZE7miD3k65o7Kr
yoz2zwsp1alIVFb8ACsduRZ83MU3MfADAA0rSsGHjTRd5/ucYkz2jzH/wjn6dV8e
VuOHiPxHQWGXwcuNwaiGdexcu8LFVL+YObFCj/O2nUOujOrQcw3x1qVH54QuTs5i
6qZh4E94P9p7T0RqMGxdPkehJH4LgUB3DpXfFcrwqapd8ieEkPKbaqwby7d4HmlR
idf0j/bA28jcCQncILkxfJgD4UjU4TQ8hLkNLyHUFDODckRGKZxga52y0Etlw0SF
JoIlCQjvbUW90Jahj/sVBNT51kUgJtTZcbLfvshA1wKBgQDzPbul3JSlBheJ7MdJ
KsvnZ089Ey2gZP3CelSB16TilgChncW5pDgkdRoJwCxpS2r8/BlpWL/iujx5BZ7j
llem3SbWWJmnHui+/f+K3JTQO8RGfs6vdJfJflMvYnfFSzR8McLVMFNt47Y8M+PM
rf0yIfa4PBl5hNmrDuH12+SVPwKBgQC5KbPKGBBTL3Y/LZvG2uYK9pVHqh3QIO8Y
IA1A1lRi7eGw1p++Azm7G7BOySicxPGkCwKxhBRHduS50tm94E4i4dab/YA7Eg5+
2EOgYQ3M1+PvIatOqnDQtN1zs0nJ5dyKjXoEvAS0GG0NqQt7hceebH5lIO10iTil
O3JCgJnA4wKBgQDSYhanQr4ebcJ2PSGxGx75qtVSUgAotrD1QLFPDKFEidFJ+BhI
lM0qW06GGH1RJTYIUlP4VhbBl6suUbo3xpVRcf5hboiXj5hneXFJPbhI0yjUgGFs
SD/wux5f4Z8OOhnPQYrusbm3VjkMoSTqp6JTdiTa/MBb5pgN5/VwnRx8KQKBgQCU
OBKoapzeyfZg2nSBOQa+reaPaFjXGxXpfPa++RKx4nQwZ42Vv+U9pwt59cKhw3Ee
/IVabj0Be+XZ7jPIr748ZAWz9rfoESszVJDF2AsA96yI5q3Hmd4W40EF9fXSPUNO
UbPkCFHHjGn3bmM3rL4/Td/bugD6sUF72ts66tCpOwKBgQDEYwXWpRu0qINKrQGk
N78B1ooYtn58O+SlVd5I9knBCCpu/vgUTTJQ44BRrUL0ptM4sIDPfMBEfAZpIKp9
xOJ8mw3/QdCLQipcNFXvaCzaM2tGpv+/AV9v3OlZkLCwhJsyq5YcBzbI98aFg7PU
wCKEUfofrgWzo8iioUvrpp88Og==
-----END PRIVATE KEY-----
"""
}
