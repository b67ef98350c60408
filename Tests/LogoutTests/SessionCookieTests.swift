import Foundation
import Testing

@testable import Logout

@Suite("Session cookies")
struct SessionCookieTests {
    static let name = "sb-abcd-auth-token"
    static let session = #"{"access_token":"header.payload.signature","refresh_token":"r1","token_type":"bearer"}"#

    func token(_ header: String) -> SessionCookie.Token {
        SessionCookie.accessToken(in: RequestCookies(header: header), sessionCookieName: Self.name)
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test func base64PrefixedSession() {
        #expect(token("\(Self.name)=base64-\(Self.base64URL(Self.session))") == .found("header.payload.signature"))
    }

    @Test func rawJSONSession() {
        #expect(token("other=1; \(Self.name)=\(Self.session)") == .found("header.payload.signature"))
    }

    @Test func urlEncodedJSONSession() {
        let encoded = Self.session.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        #expect(token("\(Self.name)=\(encoded)") == .found("header.payload.signature"))
    }

    @Test func chunksAreJoinedInOrder() {
        let value = "base64-" + Self.base64URL(Self.session)
        let cut = value.index(value.startIndex, offsetBy: 30)
        let header = "\(Self.name).1=\(value[cut...]); \(Self.name).0=\(value[..<cut])"
        #expect(token(header) == .found("header.payload.signature"))
    }

    @Test func olderArrayShape() {
        #expect(token(#"\#(Self.name)=["header.payload.signature","r1",null,null,null]"#) == .found("header.payload.signature"))
    }

    @Test func legacyAccessTokenCookie() {
        #expect(token("sb-access-token=header.payload.signature") == .found("header.payload.signature"))
    }

    @Test func theSessionCookieWinsOverTheLegacyOne() {
        #expect(token("sb-access-token=legacy; \(Self.name)=\(Self.session)") == .found("header.payload.signature"))
    }

    @Test(arguments: ["base64-!!!", "base64-e30", "{not json", "%7B%22access_token%22%3A5%7D", "", "base64-"])
    func malformedSessionsAreUnreadable(value: String) {
        #expect(token("\(Self.name)=\(value)") == .unreadable)
    }

    @Test func noSessionCookieIsAbsent() {
        #expect(token("csrf_token=abc; theme=dark") == .absent)
        #expect(token("") == .absent)
        #expect(token(";;;=;") == .absent)
    }

    @Test func cookieHeaderParsing() {
        let cookies = RequestCookies(header: #" a=1;b = 2 ; a=3; c="quoted"; novalue; =empty"#)
        #expect(cookies["a"] == "1")
        #expect(cookies["b"] == "2")
        #expect(cookies["c"] == "quoted")
        #expect(cookies["novalue"] == nil)
        #expect(cookies.names == ["a", "b", "c"])
    }
}
