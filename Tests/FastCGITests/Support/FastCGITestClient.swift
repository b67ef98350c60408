import Foundation
import Glibc

/// Where a test server listens.
enum TestEndpoint: Sendable {
    case unix(String)
    case tcp(host: String, port: Int)
}

/// A reply as the web server sees it: the CGI header block and body from FCGI_STDOUT, and the
/// FCGI_END_REQUEST record.
struct TestReply: Sendable {
    var stdout: [UInt8]
    var protocolStatus: UInt8

    var text: String { String(decoding: stdout, as: UTF8.self) }

    var headerLines: [String] {
        guard let end = text.range(of: "\r\n\r\n") else { return [] }
        return text[..<end.lowerBound].components(separatedBy: "\r\n")
    }

    var body: String {
        guard let end = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[end.upperBound...])
    }

    var status: Int? {
        values(of: "Status").first.flatMap { Int($0.prefix(3)) }
    }

    func values(of name: String) -> [String] {
        headerLines.compactMap { line in
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].lowercased() == name.lowercased()
            else { return nil }
            return String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
        }
    }
}

struct TestClientError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal FastCGI client over a real socket: BEGIN_REQUEST, PARAMS, STDIN, then reads STDOUT
/// until END_REQUEST. Blocking I/O runs on a thread of its own, never on the test's executor.
struct FastCGITestClient: Sendable {
    let endpoint: TestEndpoint

    /// Sends one request and waits for its reply.
    func send(params: [(String, String)] = [], body: [UInt8] = [], stdinChunk: Int = 65535) async throws -> TestReply {
        let endpoint = endpoint
        let params = params.map { Pair(name: $0.0, value: $0.1) }
        return try await onThread {
            let fd = try Self.connect(endpoint)
            defer { close(fd) }
            try Self.writeAll(fd, Self.requestBytes(params: params, body: body, stdinChunk: stdinChunk))
            return try Self.readReply(fd)
        }
    }

    /// Connects now, and sends the request and reads its reply only once `ready` has returned.
    func connectThenSend(params: [(String, String)] = [], after ready: () async -> Void) async throws -> TestReply {
        let endpoint = endpoint
        let bytes = Self.requestBytes(params: params.map { Pair(name: $0.0, value: $0.1) }, body: [], stdinChunk: 65535)
        let fd = try await onThread { try Self.connect(endpoint) }
        defer { close(fd) }
        await ready()
        return try await onThread {
            try Self.writeAll(fd, bytes)
            return try Self.readReply(fd)
        }
    }

    /// Sends a whole request, then closes without reading the reply.
    func sendAndHangUp(params: [(String, String)] = []) async throws {
        let endpoint = endpoint
        let params = params.map { Pair(name: $0.0, value: $0.1) }
        try await onThread {
            let fd = try Self.connect(endpoint)
            defer { close(fd) }
            try Self.writeAll(fd, Self.requestBytes(params: params, body: [], stdinChunk: 65535))
        }
    }

    /// Sends only the first `count` bytes of a request, then closes.
    func sendTruncated(params: [(String, String)], keeping count: Int) async throws {
        let endpoint = endpoint
        let params = params.map { Pair(name: $0.0, value: $0.1) }
        try await onThread {
            let fd = try Self.connect(endpoint)
            defer { close(fd) }
            let bytes = Self.requestBytes(params: params, body: [], stdinChunk: 65535)
            try Self.writeAll(fd, Array(bytes.prefix(count)))
        }
    }

    /// True when a connection is accepted by the kernel (something listens).
    static func canConnect(_ endpoint: TestEndpoint) -> Bool {
        guard let fd = try? connect(endpoint) else { return false }
        close(fd)
        return true
    }

    struct Pair: Sendable {
        var name: String
        var value: String
    }

    // MARK: Records

    static func requestBytes(params: [Pair], body: [UInt8], stdinChunk: Int, keepConnection: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        // FCGI_BEGIN_REQUEST: role 1 (responder), flags 0 (close the connection after the reply) or
        // FCGI_KEEP_CONN.
        bytes += record(type: 1, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
        var encoded: [UInt8] = []
        for pair in params {
            encoded += length(pair.name.utf8.count) + length(pair.value.utf8.count)
            encoded += Array(pair.name.utf8) + Array(pair.value.utf8)
        }
        bytes += records(type: 4, content: encoded, chunk: 65535)
        bytes += record(type: 4, content: [])
        bytes += records(type: 5, content: body, chunk: stdinChunk)
        bytes += record(type: 5, content: [])
        return bytes
    }

    static func length(_ count: Int) -> [UInt8] {
        if count < 128 { return [UInt8(count)] }
        return [
            UInt8((count >> 24) & 0x7f) | 0x80, UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff),
            UInt8(count & 0xff),
        ]
    }

    private static func records(type: UInt8, content: [UInt8], chunk: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var start = 0
        while start < content.count {
            let end = min(start + chunk, content.count)
            bytes += record(type: type, content: Array(content[start..<end]))
            start = end
        }
        return bytes
    }

    static func record(type: UInt8, content: [UInt8], id: UInt16 = 1, version: UInt8 = 1) -> [UInt8] {
        let padding = (8 - content.count % 8) % 8
        return [version, type, UInt8(id >> 8), UInt8(id & 0xff), UInt8(content.count >> 8), UInt8(content.count & 0xff),
            UInt8(padding), 0]
            + content + [UInt8](repeating: 0, count: padding)
    }

    static func readReply(_ fd: Int32) throws -> TestReply {
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(fd, 8)
            let type = header[1]
            let contentLength = Int(header[4]) << 8 | Int(header[5])
            let content = try readExactly(fd, contentLength)
            _ = try readExactly(fd, Int(header[6]))
            switch type {
            case 6: stdout += content
            case 3: return TestReply(stdout: stdout, protocolStatus: content.count > 4 ? content[4] : 255)
            default: continue
            }
        }
    }

    // MARK: Sockets

    static func connect(_ endpoint: TestEndpoint) throws -> Int32 {
        switch endpoint {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            return try connected(fd, result)
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list?.pointee else {
                throw TestClientError(description: "cannot resolve \(host)")
            }
            defer { freeaddrinfo(list) }
            let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
            return try connected(fd, Glibc.connect(fd, info.ai_addr, info.ai_addrlen))
        }
    }

    private static func connected(_ fd: Int32, _ result: Int32) throws -> Int32 {
        guard result == 0 else {
            let code = errno
            close(fd)
            throw TestClientError(description: "connect: errno \(code)")
        }
        // A broken server fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw TestClientError(description: "send: errno \(errno)")
            }
            offset += written
        }
    }

    private static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = bytes[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else {
                throw TestClientError(
                    description: received == 0 ? "connection closed before END_REQUEST" : "recv: errno \(errno)")
            }
            offset += received
        }
        return bytes
    }
}

/// Runs blocking work on a thread of its own.
func onThread<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try work() }) }.start()
    }
}
