import FoundationEssentials
import JWTKit
import SupabaseAuth
import Testing

@Suite("TokenVerifier")
struct TokenVerifierTests {
    let now = TokenMint.now

    private func hmacVerifier(
        leeway: Duration = .seconds(30), audience: String? = "authenticated"
    ) async throws -> TokenVerifier {
        try await TokenVerifier(configuration: .init(
            hmacSecret: TokenMint.hmacSecret, jwks: nil, issuer: .fixed(TokenMint.issuer), audience: audience, leeway: leeway,
            logger: TokenMint.silentLogger))
    }

    private func hs256Token(
        claims: String = TokenMint.supabaseClaims(), secret: String = TokenMint.hmacSecret
    ) async throws -> String {
        try TokenMint.token(
            header: TokenMint.header(alg: "HS256"), payload: claims, signer: await TokenMint.hmacSigner(secret: secret))
    }

    // MARK: HS256

    @Test func acceptsHS256TokenWithTheConfiguredSecret() async throws {
        let verifier = try await hmacVerifier()
        let result = await verifier.verify(try await hs256Token(), now: now)
        let expected = SessionClaims(
            subject: TokenMint.userID, sessionID: TokenMint.sessionID,
            expiresAt: Date(timeIntervalSince1970: now.timeIntervalSince1970 + 3600))
        #expect(result == .success(expected))
    }

    @Test func acceptsHS256TokenThatCarriesAKeyID() async throws {
        let verifier = try await hmacVerifier()
        let token = try TokenMint.token(
            header: TokenMint.header(alg: "HS256", kid: "legacy"), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.hmacSigner())
        #expect(try await verifier.verify(token, now: now).get().sessionID == TokenMint.sessionID)
    }

    @Test func acceptsAudienceAsArray() async throws {
        let verifier = try await hmacVerifier()
        let token = try await hs256Token(
            claims: TokenMint.supabaseClaims(audience: #"["authenticated","other"]"#))
        #expect(try await verifier.verify(token, now: now).get().subject == TokenMint.userID)
    }

    @Test(arguments: [
        ("another issuer", TokenMint.supabaseClaims(issuer: #""https://other.supabase.co/auth/v1""#)),
        ("issuer with a trailing slash", TokenMint.supabaseClaims(issuer: #""\#(TokenMint.issuer)/""#)),
        ("no issuer", TokenMint.supabaseClaims(issuer: nil)),
        ("another audience", TokenMint.supabaseClaims(audience: #""anon""#)),
        ("an array without the audience", TokenMint.supabaseClaims(audience: #"["anon","service_role"]"#)),
        ("an empty array", TokenMint.supabaseClaims(audience: "[]")),
        ("no audience", TokenMint.supabaseClaims(audience: nil)),
    ])
    func refusesATokenForAnotherIssuerOrAudience(_ label: String, claims: String) async throws {
        let verifier = try await hmacVerifier()
        #expect(await verifier.verify(try await hs256Token(claims: claims), now: now) == .failure(.invalid), "\(label)")
    }

    @Test func anExpiredTokenForAnotherAudienceIsInvalidNotExpired() async throws {
        let verifier = try await hmacVerifier()
        let claims = TokenMint.supabaseClaims(exp: now.addingTimeInterval(-3600), audience: #""anon""#)
        #expect(await verifier.verify(try await hs256Token(claims: claims), now: now) == .failure(.invalid))
    }

    @Test func withoutARequiredAudienceAnyAudienceIsAccepted() async throws {
        let verifier = try await hmacVerifier(audience: nil)
        for audience in [#""anon""#, nil] {
            let token = try await hs256Token(claims: TokenMint.supabaseClaims(audience: audience))
            #expect(try await verifier.verify(token, now: now).get().subject == TokenMint.userID)
        }
    }

    @Test func refusesHS256TokenSignedWithAnotherSecret() async throws {
        let verifier = try await hmacVerifier()
        let token = try await hs256Token(secret: TokenMint.otherHMACSecret)
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    @Test func refusesTokenWhosePayloadWasChangedAfterSigning() async throws {
        let verifier = try await hmacVerifier()
        let parts = try await hs256Token().split(separator: ".")
        let forged = TokenMint.base64URL(TokenMint.supabaseClaims(sub: "00000000-0000-0000-0000-000000000000"))
        #expect(await verifier.verify("\(parts[0]).\(forged).\(parts[2])", now: now) == .failure(.invalid))
    }

    // MARK: Expiry

    @Test func refusesTokenExpiredBeyondTheLeewayAsExpired() async throws {
        let verifier = try await hmacVerifier(leeway: .seconds(30))
        let token = try await hs256Token(claims: TokenMint.supabaseClaims(exp: now.addingTimeInterval(-31)))
        #expect(await verifier.verify(token, now: now) == .failure(.expired))
    }

    @Test func acceptsTokenExpiredWithinTheLeeway() async throws {
        let verifier = try await hmacVerifier(leeway: .seconds(30))
        let token = try await hs256Token(claims: TokenMint.supabaseClaims(exp: now.addingTimeInterval(-29)))
        #expect(try await verifier.verify(token, now: now).get().subject == TokenMint.userID)
    }

    @Test func expiryFollowsTheClockPassedIn() async throws {
        let verifier = try await hmacVerifier(leeway: .zero)
        let token = try await hs256Token(claims: TokenMint.supabaseClaims(exp: now))
        #expect(try await verifier.verify(token, now: now.addingTimeInterval(-1)).get().subject == TokenMint.userID)
        #expect(await verifier.verify(token, now: now) == .failure(.expired))
    }

    @Test func expiredTokenWithABadSignatureIsInvalidNotExpired() async throws {
        let verifier = try await hmacVerifier()
        let token = try await hs256Token(
            claims: TokenMint.supabaseClaims(exp: now.addingTimeInterval(-3600)), secret: TokenMint.otherHMACSecret)
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    // MARK: Required claims

    static let claimsLackingSomething = [
        "missing sub": TokenMint.supabaseClaims(sub: nil),
        "empty sub": TokenMint.supabaseClaims(sub: ""),
        "missing session_id": TokenMint.supabaseClaims(sessionID: nil),
        "empty session_id": TokenMint.supabaseClaims(sessionID: ""),
        "missing exp": TokenMint.supabaseClaims(exp: nil),
        "numeric sub": #"{"sub":42,"session_id":"s","exp":1750003600}"#,
        "string exp": #"{"sub":"u","session_id":"s","exp":"1750003600"}"#,
        "payload not an object": #"["sub","session_id"]"#,
    ]

    @Test(arguments: claimsLackingSomething.keys.sorted())
    func refusesTokenWithoutTheRequiredClaims(_ label: String) async throws {
        let verifier = try await hmacVerifier()
        let token = try await hs256Token(claims: Self.claimsLackingSomething[label]!)
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    // MARK: Algorithms

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func refusesUnsignedToken(_ alg: String) async throws {
        let verifier = try await hmacVerifier()
        let token = TokenMint.unsignedToken(header: TokenMint.header(alg: alg), payload: TokenMint.supabaseClaims())
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    @Test func refusesUnsignedTokenEvenWithAJWKS() async throws {
        let key = ES256PrivateKey()
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: TokenMint.hmacSecret,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        let token = TokenMint.unsignedToken(
            header: TokenMint.header(alg: "none", kid: "ec1"), payload: TokenMint.supabaseClaims())
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    @Test func refusesHS512EvenWithTheRightSecret() async throws {
        let longSecret = TokenMint.hmacSecret + TokenMint.otherHMACSecret
        let verifier = try await TokenVerifier(configuration: .init(hmacSecret: longSecret, jwks: nil, logger: TokenMint.silentLogger))
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: longSecret), digestAlgorithm: .sha512, kid: "k")
        let token = try TokenMint.token(
            header: TokenMint.header(alg: "HS512"), payload: TokenMint.supabaseClaims(),
            signer: try await keys.getKey(for: "k"))
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    @Test func refusesHS256TokenSignedWithThePublicKeyOfAnES256OnlyConfiguration() async throws {
        let key = ES256PrivateKey()
        let jwks = TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")])
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil, jwks: .file(path: try TokenMint.temporaryFile(jwks)), logger: TokenMint.silentLogger))
        // Whatever public bytes an attacker might try as an HMAC key: the PEM, the JWK, the whole set.
        for publicBytes in [key.publicKey.pemRepresentation, TokenMint.jwk(key, kid: "ec1"), String(decoding: jwks, as: UTF8.self)] {
            for kid in ["ec1", nil] as [String?] {
                let token = try TokenMint.token(
                    header: TokenMint.header(alg: "HS256", kid: kid), payload: TokenMint.supabaseClaims(),
                    signer: await TokenMint.hmacSigner(secret: publicBytes))
                #expect(await verifier.verify(token, now: now) == .failure(.invalid))
            }
        }
    }

    @Test func refusesHS256TokenWhenNoSecretIsConfigured() async throws {
        let key = ES256PrivateKey()
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        #expect(await verifier.verify(try await hs256Token(), now: now) == .failure(.invalid))
    }

    @Test func refusesES256TokenWhenNoJWKSIsConfigured() async throws {
        let verifier = try await hmacVerifier()
        let token = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "ec1"), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.signer(ES256PrivateKey()))
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    @Test func refusesTokenWithACriticalHeaderExtension() async throws {
        let verifier = try await hmacVerifier()
        let token = try TokenMint.token(
            header: #"{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}"#, payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.hmacSigner())
        #expect(await verifier.verify(token, now: now) == .failure(.invalid))
    }

    // MARK: JWKS file

    @Test func acceptsES256TokenWhoseKeyIDIsInTheJWKSFile() async throws {
        let key = ES256PrivateKey()
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        let token = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "ec1"), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.signer(key))
        #expect(try await verifier.verify(token, now: now).get().sessionID == TokenMint.sessionID)
        #expect(verifier.jwksKeyCount == 1)
    }

    @Test func refusesES256TokenWithAnUnknownMissingOrMismatchedKeyID() async throws {
        let key = ES256PrivateKey()
        let other = ES256PrivateKey()
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        let claims = TokenMint.supabaseClaims()
        let unknownKID = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "ec2"), payload: claims, signer: await TokenMint.signer(key))
        let noKID = try TokenMint.token(
            header: TokenMint.header(alg: "ES256"), payload: claims, signer: await TokenMint.signer(key))
        let otherKeySameKID = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "ec1"), payload: claims, signer: await TokenMint.signer(other))
        for token in [unknownKID, noKID, otherKeySameKID] {
            #expect(await verifier.verify(token, now: now) == .failure(.invalid))
        }
    }

    @Test func acceptsRS256TokenAndRefusesOneNamingAnECKey() async throws {
        let rsa = try TokenMint.rsaKey()
        let ec = ES256PrivateKey()
        let jwks = TokenMint.jwks([try TokenMint.jwk(rsa, kid: "rsa1"), TokenMint.jwk(ec, kid: "ec1")])
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil, jwks: .file(path: try TokenMint.temporaryFile(jwks)), logger: TokenMint.silentLogger))
        let rsaSigner = try await TokenMint.signer(rsa)
        let good = try TokenMint.token(
            header: TokenMint.header(alg: "RS256", kid: "rsa1"), payload: TokenMint.supabaseClaims(), signer: rsaSigner)
        let wrongKey = try TokenMint.token(
            header: TokenMint.header(alg: "RS256", kid: "ec1"), payload: TokenMint.supabaseClaims(), signer: rsaSigner)
        #expect(try await verifier.verify(good, now: now).get().subject == TokenMint.userID)
        #expect(await verifier.verify(wrongKey, now: now) == .failure(.invalid))
    }

    @Test func acceptsHS256AndES256TokensWhenBothAreConfigured() async throws {
        let key = ES256PrivateKey()
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: TokenMint.hmacSecret,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(key, kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        let es256 = try TokenMint.token(
            header: TokenMint.header(alg: "ES256", kid: "ec1"), payload: TokenMint.supabaseClaims(),
            signer: await TokenMint.signer(key))
        #expect(try await verifier.verify(es256, now: now).get().subject == TokenMint.userID)
        #expect(try await verifier.verify(try await hs256Token(), now: now).get().subject == TokenMint.userID)
        #expect(await verifier.verify(try await hs256Token(secret: TokenMint.otherHMACSecret), now: now) == .failure(.invalid))
    }

    // MARK: Malformed input

    @Test func refusesMalformedTokensWithoutTrapping() async throws {
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: TokenMint.hmacSecret,
            jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks([TokenMint.jwk(ES256PrivateKey(), kid: "ec1")]))),
            logger: TokenMint.silentLogger))
        let valid = try await hs256Token()
        let parts = valid.split(separator: ".").map(String.init)
        let inputs = [
            "", ".", "..", "...", "a.b", "a.b.c", "a.b.c.d", "Bearer \(valid)", "\(valid).", " \(valid)",
            "!!!.@@@.###", "\u{0}.\u{0}.\u{0}", "é.ü.ß", "\(parts[0])..\(parts[2])", ".\(parts[1]).\(parts[2])",
            "\(parts[0]).\(parts[1]).", "\(parts[0]).\(parts[1]).%%%%",
            TokenMint.base64URL("null") + ".\(parts[1]).\(parts[2])",
            TokenMint.base64URL(#"{"alg":7}"#) + ".\(parts[1]).\(parts[2])",
            TokenMint.base64URL(#"{"alg":"ES256","kid":{"x":1}}"#) + ".\(parts[1]).\(parts[2])",
            TokenMint.base64URL(#"{"alg":"ES256","kid":"ec1"}"#) + ".\(parts[1]).AAAA",
            TokenMint.base64URL(String(repeating: "[", count: 2000)) + ".\(parts[1]).\(parts[2])",
            String(repeating: "A", count: 10 * 1024),
            String(repeating: ".", count: 10 * 1024),
            String(repeating: "eyJhbGciOiJIUzI1NiJ9.", count: 500),
            "\(parts[0]).\(parts[1] + String(repeating: "A", count: TokenVerifier.maximumTokenBytes)).\(parts[2])",
        ]
        for input in inputs {
            #expect(await verifier.verify(input, now: now) == .failure(.invalid))
        }
    }

    // MARK: Configuration

    @Test func refusesAConfigurationWithoutKeys() async throws {
        await #expect(throws: TokenVerifierError.noKeysConfigured) {
            try await TokenVerifier(configuration: .init(hmacSecret: nil, jwks: nil, logger: TokenMint.silentLogger))
        }
    }

    @Test func refusesAnHMACSecretShorterThan32Bytes() async throws {
        await #expect(throws: TokenVerifierError.hmacSecretTooShort(minimumBytes: 32)) {
            try await TokenVerifier(configuration: .init(
                hmacSecret: String(repeating: "s", count: 31), jwks: nil, logger: TokenMint.silentLogger))
        }
    }

    @Test func refusesAJWKSFileThatCannotBeUsed() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-jwks.json").path
        await #expect(throws: TokenVerifierError.jwksUnreadable(source: "file \(missing)")) {
            try await TokenVerifier(configuration: .init(hmacSecret: nil, jwks: .file(path: missing), logger: TokenMint.silentLogger))
        }
        let notJSON = try TokenMint.temporaryFile(Array("not json".utf8))
        await #expect(throws: TokenVerifierError.jwksMalformed) {
            try await TokenVerifier(configuration: .init(hmacSecret: nil, jwks: .file(path: notJSON), logger: TokenMint.silentLogger))
        }
        let noKeys = try TokenMint.temporaryFile(TokenMint.jwks([]))
        await #expect(throws: TokenVerifierError.jwksHasNoUsableKeys) {
            try await TokenVerifier(configuration: .init(hmacSecret: nil, jwks: .file(path: noKeys), logger: TokenMint.silentLogger))
        }
    }
}
