import HTTPClient
import HTTPHeaders

extension IssuerRule {
    /// The issuer named by `$SUPABASE_URL/auth/v1/.well-known/openid-configuration`, fetched with
    /// `apikey` (the gateway checks it on every path); `$SUPABASE_URL/auth/v1` until it answers.
    public static func discovered(
        supabaseURL: String, apiKey: String, http: HTTPClient, timeout: Duration
    ) -> IssuerRule {
        var base = Substring(supabaseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        let url = String(base) + "/auth/v1/.well-known/openid-configuration"
        return .discovered(projectIssuer: String(base) + "/auth/v1") {
            let response: HTTPResponse
            do {
                response = try await http.fetch(url: url, timeout: timeout, headers: [HTTPHeader("apikey", apiKey)])
            } catch let error as HTTPStatusError where error.status == 404 {
                return .notServed
            }
            guard let issuer = OpenIDConfiguration.issuer(in: response.body) else {
                throw OpenIDConfiguration.Malformed()
            }
            return .issuer(issuer, maxAge: CacheControl.maxAge(response.header("cache-control")))
        }
    }
}

/// Reads the `issuer` of an OpenID Provider Metadata document.
enum OpenIDConfiguration {
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "openid_configuration_malformed" }
    }

    /// The `issuer` string, or nil when the document is not a JSON object with one.
    static func issuer(in document: [UInt8]) -> String? {
        var issuer: String?
        var scanner = JSONMemberScanner(document)
        let wellFormed = scanner.forEachMember { scanner, key in
            key == "issuer" ? TokenHeader.readOnce(&issuer, scanner.readString()) : scanner.skipValue()
        }
        return wellFormed ? issuer : nil
    }
}
