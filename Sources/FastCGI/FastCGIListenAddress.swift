/// Where the transport listens.
public enum FastCGIListenAddress: Sendable, Equatable {
    /// A unix socket the server creates (mode 0660) and removes when it stops.
    case unix(path: String)
    /// A TCP socket bound with `SO_REUSEADDR`; an empty host means every interface.
    case tcp(host: String, port: Int)
    /// The socket the service manager passed in: fd 3 when `LISTEN_FDS=1` and `LISTEN_PID` is this
    /// process, else fd 0 when it is a socket.
    case inherited
    /// An already listening socket owned by someone else: the server accepts on it but never shuts
    /// it down, closes it or removes its path.
    case fileDescriptor(Int32)

    /// Parses `unix:/path`, `host:port`, `[::1]:port` or `inherited`.
    /// - Throws: ``FastCGIError/invalidListenAddress(_:)``.
    public init(parsing text: String) throws(FastCGIError) {
        if text == "inherited" {
            self = .inherited
            return
        }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard !path.isEmpty, !path.utf8.contains(0) else { throw .invalidListenAddress(text) }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw .invalidListenAddress(text) }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw .invalidListenAddress(text) }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") || host.contains("[") || host.contains("]") {
            throw .invalidListenAddress(text)
        }
        if host == "*" { host = "" }
        self = .tcp(host: String(host), port: port)
    }
}

extension FastCGIListenAddress: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .inherited: return "inherited"
        case .fileDescriptor(let fd): return "fd:\(fd)"
        }
    }
}
