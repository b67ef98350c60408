import Crypto
import Foundation
import Testing

@testable import Logout

@Suite("CSRF and origin")
struct CSRFCheckTests {
    static let secret = "csrf-secret-for-tests-0123456789"
    static let sessionID = "a6cba9b8-1b8e-4f3f-9c2e-6c5b2b0e7e11"

    static func signed(sessionID: String, nonce: String, secret: String = secret) -> String {
        let message = "\(sessionID.count)!\(sessionID)!\(nonce.count)!\(nonce)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined() + "." + nonce
    }

    @Test func plainDoubleSubmit() {
        let check = CSRFCheck(secret: nil)
        #expect(check.check(header: "abc123", cookie: "abc123", sessionIDs: []) == nil)
        #expect(check.check(header: "abc123", cookie: "abc124", sessionIDs: []) == .invalid)
        #expect(check.check(header: "abc", cookie: "abc123", sessionIDs: []) == .invalid)
        #expect(check.check(header: nil, cookie: "abc123", sessionIDs: []) == .missing)
        #expect(check.check(header: "abc123", cookie: nil, sessionIDs: []) == .missing)
        #expect(check.check(header: "", cookie: "", sessionIDs: []) == .missing)
    }

    @Test func signedTokenBoundToTheSession() {
        let check = CSRFCheck(secret: Self.secret)
        let token = Self.signed(sessionID: Self.sessionID, nonce: "0badc0ffee")
        #expect(check.check(header: token, cookie: Substring(token), sessionIDs: [Self.sessionID]) == nil)
        // Upper-case hex MAC is the same MAC.
        let upper = token.split(separator: ".")[0].uppercased() + ".0badc0ffee"
        #expect(check.check(header: upper, cookie: Substring(upper), sessionIDs: [Self.sessionID]) == nil)
    }

    @Test func signedTokenRefusals() {
        let check = CSRFCheck(secret: Self.secret)
        let other = Self.signed(sessionID: "another-session", nonce: "0badc0ffee")
        #expect(check.check(header: other, cookie: Substring(other), sessionIDs: [Self.sessionID]) == .invalid)
        let wrongKey = Self.signed(sessionID: Self.sessionID, nonce: "0badc0ffee", secret: "another-secret")
        #expect(check.check(header: wrongKey, cookie: Substring(wrongKey), sessionIDs: [Self.sessionID]) == .invalid)
        let notHex = Self.signed(sessionID: Self.sessionID, nonce: "not-hex")
        #expect(check.check(header: notHex, cookie: Substring(notHex), sessionIDs: [Self.sessionID]) == .invalid)
        #expect(check.check(header: "plain", cookie: "plain", sessionIDs: [Self.sessionID]) == .invalid)
        let valid = Self.signed(sessionID: Self.sessionID, nonce: "0badc0ffee")
        #expect(check.check(header: valid, cookie: Substring(valid), sessionIDs: []) == .invalid)
    }

    @Test func originPolicy() {
        let any = OriginPolicy(allowed: nil)
        #expect(any.permits(origin: nil, secFetchSite: nil))
        #expect(any.permits(origin: "https://app.example.com", secFetchSite: "same-origin"))
        #expect(!any.permits(origin: "null", secFetchSite: nil))
        #expect(!any.permits(origin: nil, secFetchSite: "cross-site"))
        #expect(any.permits(origin: nil, secFetchSite: "same-site"))

        let listed = OriginPolicy(allowed: ["https://app.example.com"])
        #expect(listed.permits(origin: "https://app.example.com", secFetchSite: nil))
        #expect(listed.permits(origin: "HTTPS://APP.EXAMPLE.COM", secFetchSite: nil))
        #expect(!listed.permits(origin: "https://app.example.com.evil.io", secFetchSite: nil))
        #expect(!listed.permits(origin: "http://app.example.com", secFetchSite: nil))
        #expect(!listed.permits(origin: "https://app.example.com:8443", secFetchSite: nil))
        #expect(listed.permits(origin: nil, secFetchSite: nil))
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abcd".utf8)))
        #expect(ConstantTime.equal([], []))
    }
}
