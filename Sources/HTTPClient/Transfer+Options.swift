import CCurl
import HTTPHeaders
import POSIXSupport

extension Transfer {
    /// Sets every option of the (freshly reset) easy handle for `request`.
    ///
    /// Fails with `.invalidRequest` for a header that would split the request, and with the libcurl error otherwise.
    func configure(
        for request: HTTPRequest, timeout: Duration, connectTimeout: Duration, userAgent: String
    ) throws(HTTPClientError) {
        guard request.headers.allSatisfy(\.isWellFormed), !request.method.isEmpty,
            request.method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw .invalidRequest }
        do {
            try setConnectionOptions(url: request.url, timeout: timeout, connectTimeout: connectTimeout)
            // A User-Agent header in the request replaces this one.
            try Curl.setOption(easy, CURLOPT_USERAGENT, userAgent)
            try setMethodAndBody(method: request.method, body: request.body)
            try setHeaders(request.headers, hasBody: Self.sendsBody(request.method))
            let userData = Unmanaged.passUnretained(self).toOpaque()
            try Curl.setOption(easy, CURLOPT_WRITEFUNCTION, callback: Self.writeCallback)
            try Curl.setOption(easy, CURLOPT_WRITEDATA, pointer: userData)
            try Curl.setOption(easy, CURLOPT_HEADERFUNCTION, callback: Self.headerCallback)
            try Curl.setOption(easy, CURLOPT_HEADERDATA, pointer: userData)
        } catch {
            throw HTTPClientError(transferFailure: error)
        }
    }

    private func setConnectionOptions(url: String, timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        try Curl.setOption(easy, CURLOPT_URL, url)
        try Curl.setOption(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        // Timeouts must never raise SIGALRM in a multi-threaded server.
        try Curl.setOption(easy, CURLOPT_NOSIGNAL, 1)
        try Curl.setOption(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        try Curl.setOption(easy, CURLOPT_SSL_VERIFYPEER, 1)
        try Curl.setOption(easy, CURLOPT_SSL_VERIFYHOST, 2)
        try Curl.setOption(easy, CURLOPT_TCP_KEEPALIVE, 1)
        try Curl.setOption(easy, CURLOPT_FOLLOWLOCATION, 0)
        // Answers are a few hundred bytes and requests carry no body, while hundreds of transfers
        // can be in flight: libcurl's 16 KiB receive and 64 KiB upload buffers per handle would be
        // most of the process's memory.
        try Curl.setOption(easy, CURLOPT_BUFFERSIZE, 4096)
        try Curl.setOption(easy, CURLOPT_UPLOAD_BUFFERSIZE, 16384)
        let timeoutMilliseconds = Self.milliseconds(timeout)
        try Curl.setOption(easy, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        try Curl.setOption(easy, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, Self.milliseconds(connectTimeout)))
    }

    private func setMethodAndBody(method: String, body: [UInt8]) throws(CurlError) {
        switch method {
        case "GET":
            try Curl.setOption(easy, CURLOPT_HTTPGET, 1)
        case "HEAD":
            try Curl.setOption(easy, CURLOPT_NOBODY, 1)
        default:
            try Curl.setOption(easy, CURLOPT_POST, 1)
            try Curl.setOption(easy, CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
            try Curl.setOption(easy, CURLOPT_COPYPOSTFIELDS, copying: body)
            if method != "POST" { try Curl.setOption(easy, CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    private func setHeaders(_ headers: [HTTPHeader], hasBody: Bool) throws(CurlError) {
        var list: Curl.HeaderList?
        defer { headerList = list }
        for header in headers {
            // "Name;" is libcurl's spelling of a header with an empty value ("Name:" would remove it).
            list = try Curl.listAppend(list, header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        // Without these, libcurl adds a form Content-Type to a POST and waits for 100-continue on large bodies.
        if hasBody, !headers.contains(where: { $0.name.isASCIICaseInsensitiveEqual(to: "content-type") }) {
            list = try Curl.listAppend(list, "Content-Type:")
        }
        list = try Curl.listAppend(list, "Expect:")
        try Curl.setOption(easy, CURLOPT_HTTPHEADER, list: list)
    }


    private static func sendsBody(_ method: String) -> Bool {
        method != "GET" && method != "HEAD"
    }

    /// Whole milliseconds, rounded up and at least 1 (0 would mean "no timeout" to libcurl).
    static func milliseconds(_ duration: Duration) -> Int {
        Int(max(1, duration.milliseconds(roundingUp: true)))
    }
}
