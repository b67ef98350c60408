import HTTPHeaders

extension HTTPClient {
    /// GETs `url` and returns the response when its status is 2xx.
    ///
    /// - Throws: `HTTPClientError` when no response came, `HTTPStatusError` for any other status.
    public func fetch(url: String, timeout: Duration, headers: [HTTPHeader] = []) async throws -> HTTPResponse {
        let request = HTTPRequest(method: "GET", url: url, headers: headers)
        let response = try await send(request, timeout: timeout).get()
        guard (200..<300).contains(response.status) else { throw HTTPStatusError(status: response.status) }
        return response
    }
}
