import POSIXSupport

/// The parts of a request the endpoint reads, copied out of the transport's request so a deferred
/// reply can keep them.
public struct LogoutRequest: Sendable {
    public var method: String
    /// The path without the query (`DOCUMENT_URI`, else `REQUEST_URI` up to `?`).
    public var path: String
    public var query: String
    public var authorization: String?
    public var cookieHeader: String?
    public var csrfHeader: String?
    public var origin: String?
    public var secFetchSite: String?
    /// nginx's `$request_id` when the `REQUEST_ID` param is passed.
    public var requestID: String?
    public var bodyTooLarge: Bool
    /// True on HTTPS or a loopback host, where browsers obey `Clear-Site-Data`.
    public var isSecureContext: Bool

    public init(_ request: borrowing some RequestView & ~Copyable) {
        method = request.param("REQUEST_METHOD") ?? "GET"
        let uri = request.param("DOCUMENT_URI") ?? request.param("REQUEST_URI") ?? "/"
        path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        query = request.param("QUERY_STRING") ?? ""
        authorization = request.param("HTTP_AUTHORIZATION")
        cookieHeader = request.param("HTTP_COOKIE")
        csrfHeader = request.param("HTTP_X_CSRF_TOKEN")
        origin = request.param("HTTP_ORIGIN")
        secFetchSite = request.param("HTTP_SEC_FETCH_SITE")
        requestID = request.param("REQUEST_ID").flatMap(Self.printableIdentifier)
        bodyTooLarge = request.bodyTooLarge
        isSecureContext = Self.isSecure(
            https: request.param("HTTPS"), scheme: request.param("REQUEST_SCHEME"), host: request.param("HTTP_HOST"))
    }

    /// `HTTPS` is `on` or `REQUEST_SCHEME` is `https` (nginx's fastcgi_params pass both), or the host is
    /// `localhost` or a loopback address, which browsers also treat as a secure context.
    static func isSecure(https: String?, scheme: String?, host: String?) -> Bool {
        if let https, https.isASCIICaseInsensitiveEqual(to: "on") { return true }
        if let scheme, scheme.isASCIICaseInsensitiveEqual(to: "https") { return true }
        guard var host = host?.lowercased() else { return false }
        if host.hasPrefix("[") {
            host = host.firstIndex(of: "]").map { String(host[host.index(after: host.startIndex)..<$0]) } ?? host
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// A request id is echoed upstream and into logs: keep it short and printable.
    static func printableIdentifier(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}
