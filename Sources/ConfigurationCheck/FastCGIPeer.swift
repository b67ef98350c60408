import Glibc

/// Asks whatever listens at an address whether it is a FastCGI responder: first with the
/// management record `FCGI_GET_VALUES`, then, if that goes unanswered (this responder closes
/// management records unanswered), with a responder request for `GET /healthz`.
enum FastCGIPeer {
    enum Outcome: Equatable {
        case refused
        case answersManagementRecords
        case answersRequests
        case notFastCGI
        case failed(Int32)
    }

    /// How long each probe waits for an answer.
    static let timeoutSeconds = 2

    static func probe(family: Int32, address: UnsafePointer<sockaddr>, length: socklen_t) -> Outcome {
        let getValues = record(type: 9, requestID: 0, content: pairs([
            ("FCGI_MAX_CONNS", ""), ("FCGI_MAX_REQS", ""), ("FCGI_MPXS_CONNS", ""),
        ]))
        switch exchange(getValues, family: family, address: address, length: length) {
        case .failed(let code):
            return code == ECONNREFUSED || code == ENOENT ? .refused : .failed(code)
        case .answered(let version, let type) where version == 1 && type == 10:
            return .answersManagementRecords
        case .answered, .silent:
            break
        }
        let params = pairs([
            ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/healthz"), ("REQUEST_URI", "/healthz"),
            ("SCRIPT_NAME", "/healthz"), ("SERVER_PROTOCOL", "HTTP/1.1"), ("QUERY_STRING", ""),
        ])
        let request =
            record(type: 1, requestID: 1, content: [0, 1, 0, 0, 0, 0, 0, 0])
            + record(type: 4, requestID: 1, content: params) + record(type: 4, requestID: 1, content: [])
            + record(type: 5, requestID: 1, content: [])
        switch exchange(request, family: family, address: address, length: length) {
        case .failed(let code):
            return .failed(code)
        case .answered(let version, let type) where version == 1 && [3, 6, 7].contains(type):
            return .answersRequests
        case .answered, .silent:
            return .notFastCGI
        }
    }

    private enum Exchange {
        case failed(Int32)
        /// The version and type of the first record header that came back.
        case answered(version: UInt8, type: UInt8)
        /// Closed, or nothing within the timeout.
        case silent
    }

    /// Connects, writes `bytes` and reads the first record header of the answer.
    private static func exchange(
        _ bytes: [UInt8], family: Int32, address: UnsafePointer<sockaddr>, length: socklen_t
    ) -> Exchange {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, address, length) == 0 else { return .failed(errno) }
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { return .silent }
        var header = [UInt8](repeating: 0, count: 8)
        var received = 0
        while received < header.count {
            let count = header.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return .silent }
            received += count
        }
        return .answered(version: header[0], type: header[1])
    }

    private static func record(type: UInt8, requestID: UInt16, content: [UInt8]) -> [UInt8] {
        [1, type, UInt8(requestID >> 8), UInt8(requestID & 0xFF), UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0]
            + content
    }

    /// Name-value pairs, each name and value under 128 bytes (one length byte each).
    private static func pairs(_ items: [(String, String)]) -> [UInt8] {
        items.flatMap { name, value in [UInt8(name.utf8.count), UInt8(value.utf8.count)] + Array(name.utf8) + Array(value.utf8) }
    }
}
