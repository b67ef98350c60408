/// One request the stand-in's public API received under `/auth/v1/`.
public struct StubRequest: Sendable, Equatable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path without the query, e.g. `/auth/v1/logout`.
    public var path: String
    /// The raw query string without `?`, e.g. `scope=local`; empty when there was none.
    public var query: String
    /// Request headers by lowercased name.
    public var headers: [String: String]
    /// The request body as text (the refresh-token grant's JSON); empty when there was none.
    public var body: String = ""

    public init(method: String, path: String, query: String, headers: [String: String]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }
}
