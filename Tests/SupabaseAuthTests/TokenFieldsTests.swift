import Testing

@testable import SupabaseAuth

@Suite("Token header and claims reader")
struct TokenFieldsTests {
    static func payload(_ json: String) -> TokenPayload? { TokenPayload(json: Array(json.utf8)) }
    static func header(_ json: String) -> TokenHeader? { TokenHeader(json: Array(json.utf8)) }

    @Test func readsTheClaimsASupabaseTokenCarriesAndSkipsTheRest() throws {
        let claims = try #require(Self.payload("""
            {"aal":"aal1","amr":[{"method":"password","timestamp":1733300000}],"app_metadata":{"provider":"email",
            "providers":["email"],"nested":{"deep":[1,2,{"x":null}]}},"aud":"authenticated","email":"a@b.c",
            "exp":1733303600,"iat":1733300000,"is_anonymous":false,"iss":"https://abcd.supabase.co/auth/v1",
            "phone":"","role":"authenticated","session_id":"5f2c-11","sub":"8d9e-22","user_metadata":{}}
            """))
        #expect(claims.subject == "8d9e-22")
        #expect(claims.sessionID == "5f2c-11")
        #expect(claims.expiresAt == 1_733_303_600)
        #expect(claims.issuer == "https://abcd.supabase.co/auth/v1")
        #expect(claims.audience == ["authenticated"])
    }

    @Test func audienceMayBeAnArrayAndStringsMayBeEscaped() throws {
        let claims = try #require(Self.payload(#"{"aud":["other","authenticated"],"sub":"a\/b\u00e9\ud83d\ude00\n","exp":1.5e9}"#))
        #expect(claims.audience == ["other", "authenticated"])
        #expect(claims.subject == "a/bé😀\n")
        #expect(claims.expiresAt == 1.5e9)
    }

    @Test(arguments: [
        "", "null", "[]", #"{"sub":"a""#, #"{"sub":"a"} trailing"#, #"{"sub":"a",}"#, #"{sub:"a"}"#,
        #"{"sub":"a","sub":"b"}"#, #"{"exp":1,"exp":2}"#, #"{"exp":"1733303600"}"#, #"{"exp":+1}"#,
        #"{"sub":1}"#, #"{"aud":[1]}"#, #"{"aud":{"x":1}}"#, #"{"sub":"\x"}"#, #"{"sub":"\ud83d"}"#,
        "{\"sub\":\"tab\there\"}", #"{"x":tru}"#, #"{"x":[1,2}"#,
        "{\"x\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}",
    ])
    func malformedOrAmbiguousPayloadsAreRefused(_ json: String) {
        #expect(Self.payload(json) == nil)
    }

    @Test func anOverflowingExpiryIsReadAsInfiniteForTheVerifierToRefuse() throws {
        let claims = try #require(Self.payload(#"{"exp":1e999}"#))
        #expect(claims.expiresAt?.isFinite == false)
    }

    @Test func theHeaderGivesAlgorithmAndKeyAndRefusesCrit() throws {
        let header = try #require(Self.header(#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#))
        #expect(header.algorithm == "ES256")
        #expect(header.keyID == "k1")
        #expect(Self.header(#"{"alg":"HS256","crit":["b64"]}"#) == nil)
        #expect(Self.header(#"{"typ":"JWT"}"#) == nil)
        #expect(Self.header(#"{"alg":"HS256","alg":"none"}"#) == nil)
        #expect(Self.header(#"{"alg":null}"#) == nil)
    }

    @Test func compactSerializationNeedsThreeNonEmptyBase64URLParts() {
        #expect(CompactJWS(Array("eyJhIjoxfQ.eyJiIjoyfQ.c2ln".utf8)) != nil)
        for token in ["eyJhIjoxfQ.eyJiIjoyfQ", "eyJhIjoxfQ.eyJiIjoyfQ.c2ln.x", ".eyJiIjoyfQ.c2ln", "eyJhIjoxfQ..c2ln",
            "eyJhIjoxfQ.eyJiIjoyfQ.", "eyJhIjoxfQ=.eyJiIjoyfQ.c2ln", "eyJhIjoxfQ.eyJi+joyfQ.c2ln"]
        {
            #expect(CompactJWS(Array(token.utf8)) == nil, "\(token)")
        }
    }

    @Test func base64URLRefusesImpossibleLengthsAndNonCanonicalEndings() {
        #expect(Base64URL.decode(ArraySlice("aGVsbG8".utf8)) == Array("hello".utf8))
        #expect(Base64URL.decode(ArraySlice("aGVsbG8=".utf8)) == nil)
        #expect(Base64URL.decode(ArraySlice("aGVsb".utf8)) == nil)
        #expect(Base64URL.decode(ArraySlice("aGVsbG9".utf8)) == nil)
    }

    @Test func base64URLLenientlyTakesTheStandardAlphabetAndPaddingAtEitherEnd() {
        #expect(Base64URL.decodeLeniently("aGVsbG8".utf8) == Array("hello".utf8))
        #expect(Base64URL.decodeLeniently("aGVsbG8=".utf8) == Array("hello".utf8))
        #expect(Base64URL.decodeLeniently("=aGVsbG8==".utf8) == Array("hello".utf8))
        #expect(Base64URL.decodeLeniently("aGVsbG9".utf8) == Array("hello".utf8))
        #expect(Base64URL.decodeLeniently("-_+/".utf8) == [0xfb, 0xff, 0xbf])
        #expect(Base64URL.decodeLeniently("".utf8) == [])
        #expect(Base64URL.decodeLeniently("====".utf8) == [])
        #expect(Base64URL.decodeLeniently("aGVsb".utf8) == nil)
        #expect(Base64URL.decodeLeniently("aG=VsbG8".utf8) == nil)
        #expect(Base64URL.decodeLeniently("aGVs bG8".utf8) == nil)
    }

    @Test func theUnverifiedSessionIDIsReadFromThePayloadAlone() {
        // {"session_id":"s-1"} in base64url; the header and signature are not looked at.
        let part = "eyJzZXNzaW9uX2lkIjoicy0xIn0"
        #expect(UnverifiedClaims.sessionID(of: "e30.\(part).sig") == "s-1")
        #expect(UnverifiedClaims.sessionID(of: "e30.\(part)=.!") == "s-1")
        #expect(UnverifiedClaims.sessionID(of: "e30.\(part)") == nil)
        #expect(UnverifiedClaims.sessionID(of: "e30.\(part).sig.x") == nil)
        #expect(UnverifiedClaims.sessionID(of: "e30.e30.sig") == nil)
    }
}
