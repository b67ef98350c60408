import Foundation
import Testing

@testable import Logout

@Suite("Session cookies")
struct SessionCookieTests {
    static let name = "sb-abcd-auth-token"
    static let session = #"{"access_token":"header.payload.signature","refresh_token":"r1","token_type":"bearer"}"#

    enum Token: Equatable {
        case found(String)
        case unreadable
        case absent
    }

    /// The first session's access token.
    func token(_ header: String) -> Token {
        switch sessions(header) {
        case .sessions(let sessions): .found(sessions[0].accessToken)
        case .unreadable: .unreadable
        case .absent: .absent
        }
    }

    func sessions(_ header: String) -> SessionCookie.Found {
        SessionCookie.sessions(in: RequestCookies(header: header), sessionCookieName: Self.name)
    }

    static func cookieValue(access: String, refresh: String) -> String {
        "base64-" + base64URL(#"{"access_token":"\#(access)","refresh_token":"\#(refresh)"}"#)
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

    @Test func theRefreshTokenComesAlong() {
        #expect(sessions("\(Self.name)=\(Self.session)") == .sessions([.init(accessToken: "header.payload.signature", refreshToken: "r1")]))
        #expect(
            sessions(#"\#(Self.name)=["a.b.c","r2"]"#) == .sessions([.init(accessToken: "a.b.c", refreshToken: "r2")]))
        #expect(
            sessions("sb-access-token=a.b.c; sb-refresh-token=r3")
                == .sessions([.init(accessToken: "a.b.c", refreshToken: "r3")]))
        #expect(sessions(#"\#(Self.name)={"access_token":"a.b.c","refresh_token":""}"#) == .sessions([.init(accessToken: "a.b.c")]))
    }

    @Test func everyCopyOfARepeatedNameIsASessionAndUnreadableOnesAreSkipped() {
        let first = Self.cookieValue(access: "a.b.one", refresh: "r1")
        let second = Self.cookieValue(access: "a.b.two", refresh: "r2")
        #expect(
            sessions("\(Self.name)=\(first); \(Self.name)=base64-!!!; \(Self.name)=\(second)")
                == .sessions([.init(accessToken: "a.b.one", refreshToken: "r1"), .init(accessToken: "a.b.two", refreshToken: "r2")]))
        #expect(sessions("\(Self.name)=base64-!!!; \(Self.name)=%7B") == .unreadable)
    }

    @Test func repeatedChunksGroupByOrderOfAppearance() {
        let first = Self.cookieValue(access: "a.b.first-session-token", refresh: "r1")
        let second = Self.cookieValue(access: "a.b.second-session-token", refresh: "r2")
        let (firstCut, secondCut) = (first.index(first.startIndex, offsetBy: 20), second.index(second.startIndex, offsetBy: 25))
        let header = [
            "\(Self.name).0=\(first[..<firstCut])", "\(Self.name).0=\(second[..<secondCut])",
            "\(Self.name).1=\(first[firstCut...])", "\(Self.name).1=\(second[secondCut...])",
        ].joined(separator: "; ")
        #expect(
            sessions(header)
                == .sessions([
                    .init(accessToken: "a.b.first-session-token", refreshToken: "r1"),
                    .init(accessToken: "a.b.second-session-token", refreshToken: "r2"),
                ]))
    }

    @Test func aForgedHeaderBuysNoMoreThanAFewCandidates() {
        let value = Self.cookieValue(access: "a.b.c", refresh: "r")
        let header = Array(repeating: "\(Self.name)=\(value)", count: 500).joined(separator: "; ")
        guard case .sessions(let found) = sessions(header) else {
            Issue.record("no sessions")
            return
        }
        #expect(found.count == SessionCookie.maximumCandidates)
    }

    @Test func cookieHeaderParsing() {
        let cookies = RequestCookies(header: #" a=1;b = 2 ; a=3; c="quoted"; novalue; =empty"#)
        #expect(cookies["a"] == "1")
        #expect(cookies["b"] == "2")
        #expect(cookies["c"] == "quoted")
        #expect(cookies["novalue"] == nil)
        #expect(cookies.names == ["a", "b", "c"])
        #expect(cookies.values(named: "a") == ["1", "3"])
        #expect(cookies.values(named: "missing") == [])
    }
}
