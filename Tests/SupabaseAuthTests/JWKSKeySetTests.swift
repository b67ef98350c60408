import FoundationEssentials
import JWTKit
import SupabaseAuth
import Testing

@Suite("JWKS key set")
struct JWKSKeySetTests {
    @Test func keepsTheUsableKeysOfAMixedSet() async throws {
        let key = ES256PrivateKey()
        let (x, y) = key.publicKey.parameters!
        let entries = [
            #"{"kty":"oct","k":"c2VjcmV0","kid":"legacy","alg":"HS256"}"#,
            #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","alg":"ES256"}"#,
            #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"enc","use":"enc"}"#,
            #"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","kid":"broken","alg":"ES256"}"#,
            #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"no-alg"}"#,
            TokenMint.jwk(key, kid: "ec1"),
        ]
        let verifier = try await TokenVerifier(configuration: .init(
            hmacSecret: nil, jwks: .file(path: try TokenMint.temporaryFile(TokenMint.jwks(entries))),
            logger: TokenMint.silentLogger))
        #expect(verifier.jwksKeyCount == 2)

        let signer = try await TokenMint.signer(key)
        for kid in ["ec1", "no-alg"] {
            let token = try TokenMint.token(
                header: TokenMint.header(alg: "ES256", kid: kid), payload: TokenMint.supabaseClaims(), signer: signer)
            #expect(try await verifier.verify(token, now: TokenMint.now).get().subject == TokenMint.userID)
        }
        for kid in ["enc", "legacy", "broken"] {
            let token = try TokenMint.token(
                header: TokenMint.header(alg: "ES256", kid: kid), payload: TokenMint.supabaseClaims(), signer: signer)
            #expect(await verifier.verify(token, now: TokenMint.now) == .failure(.invalid))
        }
    }
}
