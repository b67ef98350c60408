import HTTPHeaders

/// The headers every response carries, and the cookie-clearing ones, computed once from the settings.
struct ResponseHeaders: Sendable {
    typealias Header = HTTPHeader

    /// Content type, no-store caching and the security headers.
    let base: [Header]
    private let clearSiteData: Header?
    private let clearing: CookieClearing

    init(configuration: LogoutConfiguration) {
        var base = [
            Header("Content-Type", "application/json; charset=utf-8"),
            Header("Cache-Control", "no-store"),
            Header("Pragma", "no-cache"),
            Header("Expires", "0"),
            Header("X-Content-Type-Options", "nosniff"),
            Header("X-Frame-Options", "DENY"),
            Header("Referrer-Policy", "no-referrer"),
            Header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ]
        if let hsts = configuration.hsts { base.append(Header("Strict-Transport-Security", hsts)) }
        self.base = base
        clearSiteData = configuration.clearSiteData.map { Header("Clear-Site-Data", $0) }
        clearing = CookieClearing(configuration: configuration)
    }

    /// `Clear-Site-Data` (on secure requests only) and one clearing `Set-Cookie` per cookie.
    func clearingHeaders(cookies: RequestCookies, secureRequest: Bool) -> [Header] {
        var headers: [Header] = []
        // Browsers obey Clear-Site-Data only in a secure context, and Chromium drops every Set-Cookie of a
        // response whose Clear-Site-Data names "cookies": on plain HTTP it would undo the clearing below.
        if secureRequest, let clearSiteData { headers.append(clearSiteData) }
        for line in clearing.setCookieLines(for: cookies) { headers.append(Header("Set-Cookie", line)) }
        return headers
    }
}
