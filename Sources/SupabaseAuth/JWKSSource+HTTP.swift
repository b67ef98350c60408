import HTTPClient

extension JWKSSource {
    /// The JWKS at `url`, fetched with `http` within `timeout`; its `Cache-Control: max-age` says
    /// when to fetch it again.
    public static func fetched(from url: String, http: HTTPClient, timeout: Duration) -> JWKSSource {
        .url {
            let response = try await http.fetch(url: url, timeout: timeout)
            return JWKSAnswer(document: response.body, maxAge: CacheControl.maxAge(response.header("cache-control")))
        }
    }
}
