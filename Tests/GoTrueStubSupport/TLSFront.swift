import Foundation

/// nginx terminating TLS in front of a stand-in (`Tests/Stub/tls_front.py`): a private CA, a certificate for
/// `localhost`, HTTP/2 by ALPN, and listeners whose certificates fail verification on purpose.
///
/// ```swift
/// let front = try TLSFront.start(upstream: stub)
/// defer { front.stop() }
/// // trust front.caPEM, send to front.url(.http2) …, then count front.accessLog(.http2) connections
/// ```
public final class TLSFront: Sendable {
    /// One listener of the front; each proxies to the stand-in.
    public enum Listener: String, Sendable, CaseIterable {
        /// A certificate for localhost from the CA; HTTP/2 and HTTP/1.1 offered by ALPN.
        case http2 = "h2"
        /// The same certificate; HTTP/1.1 only.
        case http1 = "h1"
        /// A certificate from the CA for another name.
        case wrongName = "wrong-name"
        /// A certificate from the CA for localhost that has expired.
        case expired
        /// A certificate for localhost from a CA nobody is told about.
        case unknownCA = "unknown-ca"
    }

    /// One request as the front logged it.
    public struct LoggedRequest: Sendable, Equatable {
        /// nginx's connection serial number: one TLS handshake per distinct value.
        public let connection: String
        /// True when the handshake resumed an earlier TLS session.
        public let sessionReused: Bool
        /// `HTTP/2.0` or `HTTP/1.1`.
        public let protocolVersion: String
        public let status: Int
        public let path: String
    }

    /// The PEM file of the CA that signed every listener's certificate but `.unknownCA`'s.
    public let caFile: String
    private let accessLogFile: String
    private let urls: [String: String]
    private let process: StubProcess

    private init(caFile: String, accessLogFile: String, urls: [String: String], process: StubProcess) {
        self.caFile = caFile
        self.accessLogFile = accessLogFile
        self.urls = urls
        self.process = process
    }

    /// Starts the front before `upstream`'s public API and waits (30 s at most) until every listener accepts.
    public static func start(upstream: GoTrueStub) throws -> TLSFront {
        let hostAndPort = String(upstream.url.dropFirst("http://".count))
        let (process, line) = try StubProcess.launch(
            script: scriptPath, arguments: ["--upstream", hostAndPort, "--exit-on-stdin-eof"], readyTimeout: 30)
        var words: [String: String] = [:]
        for word in line.split(separator: " ").dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { words[parts[0]] = parts[1] }
        }
        guard line.hasPrefix("READY "), let ca = words["ca"], let log = words["log"] else {
            process.stop()
            throw GoTrueStubError.notReady("unexpected first line")
        }
        return TLSFront(caFile: ca, accessLogFile: log, urls: words, process: process)
    }

    /// `https://localhost:PORT` of `listener`.
    public func url(_ listener: Listener) -> String {
        urls[listener.rawValue] ?? "https://localhost:1"
    }

    /// The CA's certificate, PEM.
    public var caPEM: [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: caFile)))) ?? []
    }

    /// The requests `listener` has logged so far, oldest first.
    public func accessLog(_ listener: Listener) -> [LoggedRequest] {
        let text = (try? String(contentsOfFile: accessLogFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 7, words[0] == listener.rawValue, let status = Int(words[4]) else { return nil }
            return LoggedRequest(
                connection: words[1], sessionReused: words[2] == "r", protocolVersion: words[3], status: status,
                path: words[6])
        }
    }

    /// Stops nginx and the launcher. Safe to call more than once; `deinit` calls it too.
    public func stop() {
        process.stop()
    }

    deinit {
        process.stop()
    }

    static var scriptPath: String {
        URL(fileURLWithPath: GoTrueStub.scriptPath).deletingLastPathComponent().appendingPathComponent("tls_front.py").path
    }
}
