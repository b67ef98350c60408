import HTTPClient
import HTTPHeaders

extension JWKSSource {
    /// The JWKS at `url`, fetched with `http` within `timeout` and with `apikey` (some self-hosted
    /// gateways guard the JWKS too, as supabase-js expects); its `Cache-Control: max-age` says when to
    /// fetch it again.
    public static func fetched(from url: String, apiKey: String, http: HTTPClient, timeout: Duration) -> JWKSSource {
        .url {
            let response = try await http.fetch(url: url, timeout: timeout, headers: [HTTPHeader("apikey", apiKey)])
            return JWKSAnswer(document: response.body, maxAge: CacheControl.maxAge(response.header("cache-control")))
        }
    }
}
