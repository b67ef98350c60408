import CCurl
import HTTPHeaders
import POSIXSupport

/// What every transfer of one client shares: set on each easy handle after its reset.
struct TransferDefaults {
    let userAgent: String
    let connectTimeout: Duration
    let maxIdleConnectionAge: Duration
    let share: Curl.Share
    let receiveBufferBytes: Int
    /// The system bundle plus the additional authorities; nil: libcurl's own defaults.
    let caBundle: CABundle?
}

extension Transfer {
    /// Sets every option of the (fresh) easy handle for `request`.
    ///
    /// Fails with `.invalidRequest` for a header that would split the request, and with `.setupFailed` when
    /// libcurl refuses an option: every option here is valid on a fresh handle, so that is a bug of this client.
    func configure(for request: HTTPRequest, timeout: Duration, defaults: TransferDefaults) throws(HTTPClientError) {
        guard request.headers.allSatisfy(\.isWellFormed), !request.method.isEmpty,
            request.method.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw .invalidRequest }
        do {
            try setConnectionOptions(url: request.url, timeout: timeout, defaults: defaults)
            // A User-Agent header in the request replaces this one.
            try Curl.setOption(easy, CURLOPT_USERAGENT, defaults.userAgent)
            try setMethodAndBody(method: request.method, body: request.body)
            try setHeaders(request.headers, hasBody: Self.sendsBody(request.method))
            let userData = Unmanaged.passUnretained(self).toOpaque()
            try Curl.setOption(easy, CURLOPT_WRITEFUNCTION, callback: Self.writeCallback)
            try Curl.setOption(easy, CURLOPT_WRITEDATA, pointer: userData)
            try Curl.setOption(easy, CURLOPT_HEADERFUNCTION, callback: Self.headerCallback)
            try Curl.setOption(easy, CURLOPT_HEADERDATA, pointer: userData)
            try Curl.setOption(easy, CURLOPT_ERRORBUFFER, pointer: errorBuffer)
            try Curl.setOption(easy, CURLOPT_PREREQFUNCTION, prereqCallback: Self.prereqCallback)
            try Curl.setOption(easy, CURLOPT_PREREQDATA, pointer: userData)
        } catch {
            throw .setupFailed(curlCode: error.easyCode?.rawValue ?? CURLE_OUT_OF_MEMORY.rawValue)
        }
    }

    // CURLOPT_BUFFERSIZE is safe here only because every transfer has a handle of its own, fresh from
    // curl_easy_init: libcurl 7.88 refuses (CURLE_BAD_FUNCTION_ARGUMENT) to resize a receive buffer it holds,
    // which a handle whose last transfer ran over HTTP/2 does, and curl_easy_reset puts the size back to
    // the default while the old, smaller buffer stays.
    private func setConnectionOptions(url: String, timeout: Duration, defaults: TransferDefaults) throws(CurlError) {
        try Curl.setOption(easy, CURLOPT_BUFFERSIZE, defaults.receiveBufferBytes)
        try Curl.setOption(easy, CURLOPT_URL, url)
        try Curl.setOption(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        // Timeouts must never raise SIGALRM in a multi-threaded server.
        try Curl.setOption(easy, CURLOPT_NOSIGNAL, 1)
        try Curl.setOption(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        // A burst waits for the first connection to say whether it multiplexes instead of opening dozens.
        try Curl.setOption(easy, CURLOPT_PIPEWAIT, 1)
        try setTLSOptions(defaults)
        try Curl.setOption(easy, CURLOPT_SHARE, share: defaults.share)
        try Curl.setOption(easy, CURLOPT_TCP_KEEPALIVE, 1)
        try Curl.setOption(easy, CURLOPT_TCP_KEEPIDLE, 30)
        try Curl.setOption(easy, CURLOPT_TCP_KEEPINTVL, 15)
        try Curl.setOption(easy, CURLOPT_MAXAGE_CONN, Int(defaults.maxIdleConnectionAge.components.seconds))
        try Curl.setOption(easy, CURLOPT_FOLLOWLOCATION, 0)
        // The timeouts themselves are set as the transfer enters the multi handle, which may be later.
        deadlineNanoseconds = MonotonicClock.nanoseconds() &+ UInt64(Self.milliseconds(timeout)) &* 1_000_000
    }

    /// Sets the whole transfer's timeout (and the connect timeout, capped by it) to what is left of its deadline
    /// at `now`, at least 1 ms: libcurl counts both from the moment the handle enters the multi handle.
    func setRemainingTimeouts(now: UInt64, connectTimeout: Duration) throws(CurlError) {
        let remaining = Int(max(1, ((deadlineNanoseconds > now ? deadlineNanoseconds - now : 0) + 999_999) / 1_000_000))
        try Curl.setOption(easy, CURLOPT_TIMEOUT_MS, remaining)
        try Curl.setOption(easy, CURLOPT_CONNECTTIMEOUT_MS, min(remaining, Self.milliseconds(connectTimeout)))
    }

    /// Peer and host name always verified, TLS 1.2 at least; there is no switch to turn either off.
    private func setTLSOptions(_ defaults: TransferDefaults) throws(CurlError) {
        try Curl.setOption(easy, CURLOPT_SSL_VERIFYPEER, 1)
        try Curl.setOption(easy, CURLOPT_SSL_VERIFYHOST, 2)
        try Curl.setOption(easy, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let bundle = defaults.caBundle {
            try Curl.setOption(easy, CURLOPT_CAINFO, bundle.path)
        }
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
