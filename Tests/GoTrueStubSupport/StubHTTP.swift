import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A blocking HTTP call, enough for driving the stand-in from synchronous test code.
enum StubHTTP {
    struct Response {
        var status: Int
        var body: Data
    }

    /// Sends one request and waits for the whole answer (10 s limit).
    static func call(
        _ method: String, base: String, path: String, json: [String: Any]? = nil, headers: [String: String] = [:]
    ) throws -> Response {
        guard let url = URL(string: base + path) else {
            throw GoTrueStubError.transport(method: method, path: path, reason: "bad URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 10
        for (name, value) in headers {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let outcome = Outcome()
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.finish(data: data, response: response, error: error)
        }
        task.resume()
        guard outcome.done.wait(timeout: .now() + 15) == .success else {
            task.cancel()
            throw GoTrueStubError.transport(method: method, path: path, reason: "timed out")
        }
        return try outcome.result(method: method, path: path)
    }

    /// The JSON object of a response body.
    static func object(_ response: Response, method: String, path: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw GoTrueStubError.malformedResponse(method: method, path: path)
        }
        return object
    }

    private final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var status: Int?
        private var body = Data()
        private var failure: String?

        func finish(data: Data?, response: URLResponse?, error: (any Error)?) {
            lock.lock()
            if let error {
                failure = error.localizedDescription
            } else if let http = response as? HTTPURLResponse {
                status = http.statusCode
                body = data ?? Data()
            } else {
                failure = "no HTTP response"
            }
            lock.unlock()
            done.signal()
        }

        func result(method: String, path: String) throws -> Response {
            lock.lock()
            defer { lock.unlock() }
            guard let status else {
                throw GoTrueStubError.transport(method: method, path: path, reason: failure ?? "no answer")
            }
            return Response(status: status, body: body)
        }
    }
}
