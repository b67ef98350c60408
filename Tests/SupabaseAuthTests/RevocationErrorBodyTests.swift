import HTTPClient
import HTTPHeaders
import Testing

@testable import SupabaseAuth

/// Both shapes of GoTrue's error body, the gateway's, and how each decides a revocation.
@Suite("Revocation error bodies")
struct RevocationErrorBodyTests {
    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func readsTheCurrentShape() {
        let body = RevocationErrorBody(
            parsing: Self.bytes(#"{"code":"session_not_found","message":"Session from session_id claim in JWT does not exist"}"#))
        #expect(body.errorCode == "session_not_found")
        #expect(body.message == "Session from session_id claim in JWT does not exist")
    }

    @Test func readsTheOldShape() {
        let body = RevocationErrorBody(
            parsing: Self.bytes(#"{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: token is expired"}"#))
        #expect(body.errorCode == "bad_jwt")
        #expect(body.message == "invalid JWT: token is expired")
    }

    @Test func findsNoCodeInTheGatewaysAnswer() {
        let body = RevocationErrorBody(
            parsing: Self.bytes(#"{"message":"Invalid API key","hint":"Double check your Supabase `anon` key."}"#))
        #expect(body.errorCode == nil)
        #expect(body.message == "Invalid API key")
    }

    @Test(arguments: ["", "<html>502 Bad Gateway</html>", "[1,2]", "{\"code\":"])
    func findsNothingInWhatIsNotAnObject(text: String) {
        #expect(RevocationErrorBody(parsing: Self.bytes(text)) == RevocationErrorBody())
    }

    @Test func theHeaderCodeComesBeforeTheBody() {
        let response = HTTPResponse(
            status: 403, headers: [HTTPHeader("x-sb-error-code", "user_not_found")],
            body: Self.bytes(#"{"code":"session_not_found","message":"…"}"#))
        #expect(RevocationClient.errorCode(of: response) == "user_not_found")
    }

    @Test func theBodyCodeServesWhenTheHeaderIsMissing() {
        let response = HTTPResponse(
            status: 403, headers: [], body: Self.bytes(#"{"code":403,"error_code":"session_not_found","msg":"…"}"#))
        #expect(RevocationClient.errorCode(of: response) == "session_not_found")
    }

    @Test func oldShapeVerdicts() {
        let expired = Self.bytes(#"{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: token is expired"}"#)
        let badSignature = Self.bytes(#"{"code":403,"error_code":"bad_jwt","msg":"signature is invalid"}"#)
        let noAuthorization = Self.bytes(
            #"{"code":401,"error_code":"no_authorization","msg":"This endpoint requires a valid Bearer token"}"#)
        #expect(RevocationClient.verdict(status: 403, errorCode: "bad_jwt", body: expired) == .final(.sessionDead(.tokenExpired)))
        #expect(RevocationClient.verdict(status: 403, errorCode: "bad_jwt", body: badSignature) == .final(.sessionDead(.invalidToken)))
        #expect(
            RevocationClient.verdict(status: 401, errorCode: "no_authorization", body: noAuthorization)
                == .final(.sessionDead(.invalidToken)))
        #expect(RevocationClient.verdict(status: 404, errorCode: "user_not_found", body: []) == .final(.sessionDead(.sessionNotFound)))
    }

    @Test func statusVerdicts() {
        #expect(RevocationClient.verdict(status: 204, errorCode: nil, body: []) == .final(.revoked))
        #expect(RevocationClient.verdict(status: 200, errorCode: nil, body: []) == .final(.revoked))
        #expect(RevocationClient.verdict(status: 401, errorCode: nil, body: []) == .final(.failed(.rejectedConfiguration)))
        #expect(
            RevocationClient.verdict(status: 400, errorCode: "validation_failed", body: [])
                == .final(.failed(.rejectedConfiguration)))
        #expect(RevocationClient.verdict(status: 405, errorCode: nil, body: []) == .final(.failed(.rejectedConfiguration)))
        #expect(RevocationClient.verdict(status: 403, errorCode: "user_banned", body: []) == .final(.sessionDead(.sessionNotFound)))
        #expect(RevocationClient.verdict(status: 500, errorCode: nil, body: []) == .retry)
        #expect(RevocationClient.verdict(status: 503, errorCode: nil, body: []) == .retry)
        #expect(RevocationClient.verdict(status: 302, errorCode: nil, body: []) == .giveUp)
    }

    @Test func transportVerdicts() {
        #expect(RevocationClient.verdict(for: .couldNotConnect) == .retry)
        #expect(RevocationClient.verdict(for: .timedOut) == .retry)
        #expect(RevocationClient.verdict(for: .connectionReset) == .retry)
        #expect(RevocationClient.verdict(for: .cancelled) == .giveUp)
        #expect(RevocationClient.verdict(for: .invalidRequest) == .final(.failed(.rejectedConfiguration)))
    }

    @Test func tlsAndSetupVerdicts() {
        // A certificate that does not verify will not within the deadline: final, never the settings' fault.
        for error in [HTTPClientError.tlsUnknownCA, .tlsNameMismatch, .tlsCertificateExpired, .tlsCertificateRejected,
                      .tlsTrustStoreUnusable] {
            #expect(RevocationClient.verdict(for: error) == .final(.failed(.tls)))
        }
        // libcurl reports a connection reset in the middle of a handshake this way: retried.
        #expect(RevocationClient.verdict(for: .tlsHandshakeFailed) == .retry)
        // The client's own bug (a refused option) says nothing about SUPABASE_URL or the key.
        #expect(RevocationClient.verdict(for: .setupFailed(curlCode: 43)) == .giveUp)
    }

    @Test func backoffGrowsWithinItsJitter() {
        let backoff = RevocationBackoff()
        for attempt in 1...3 {
            let nominal = Duration.milliseconds(50) * (1 << (attempt - 1))
            let delay = backoff.delay(afterAttempt: attempt)
            #expect(delay >= nominal * 0.5 && delay <= nominal * 1.5)
        }
    }
}
