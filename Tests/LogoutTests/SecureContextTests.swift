import Testing

@testable import Logout

@Suite("Secure context")
struct SecureContextTests {
    @Test(arguments: [
        ("on", nil, "example.com", true),
        ("ON", nil, "example.com", true),
        (nil, "https", "example.com", true),
        (nil, "http", "example.com", false),
        ("", "http", "example.com:443", false),
        (nil, "http", "localhost", true),
        (nil, "http", "localhost:8080", true),
        (nil, "http", "app.localhost:8080", true),
        (nil, "http", "127.0.0.1:8080", true),
        (nil, "http", "127.1.2.3", true),
        (nil, "http", "[::1]:8080", true),
        (nil, "http", "127.0.0.1.example.com", false),
        (nil, "http", "localhost.example.com", false),
        (nil, "http", nil, false),
    ] as [(String?, String?, String?, Bool)])
    func secureContext(https: String?, scheme: String?, host: String?, secure: Bool) {
        #expect(LogoutRequest.isSecure(https: https, scheme: scheme, host: host) == secure)
    }
}

@Suite("Bearer header")
struct BearerHeaderTests {
    @Test(arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER   abc\t ", "abc"),
        ("Bearer ", nil),
        ("Bearer    ", nil),
        ("Bearerabc", nil),
        ("Basic dXNlcjpwYXNz", nil),
        ("Bear", nil),
        ("", nil),
        ("Bearer é", "é"),
    ] as [(String, String?)])
    func bearer(header: String, token: String?) {
        #expect(LogoutHandler.bearerToken(header) == token)
    }

    @Test func absent() {
        #expect(LogoutHandler.bearerToken(nil) == nil)
    }
}
