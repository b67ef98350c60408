import Glibc

/// Where the service manager listens for notifications: a filesystem path or a name in the
/// abstract namespace, as `NOTIFY_SOCKET` gives it.
public enum NotifySocketAddress: Sendable, Equatable {
    /// An absolute path to a datagram socket.
    case path(String)
    /// A Linux abstract socket name (given in `NOTIFY_SOCKET` with a leading `@`, stored without it).
    case abstract(String)

    /// The longest name `sockaddr_un.sun_path` holds: 108 bytes, less the path's NUL or the
    /// abstract name's leading NUL.
    static let maximumLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Parses `NOTIFY_SOCKET`: `/absolute/path` or `@abstract-name`; nil for anything else (an
    /// empty value, a relative path, `vsock:` addresses, names too long for `sockaddr_un`).
    public init?(parsing text: String) {
        guard !text.utf8.contains(0) else { return nil }
        if text.hasPrefix("/") {
            guard text.utf8.count <= Self.maximumLength else { return nil }
            self = .path(text)
        } else if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            guard !name.isEmpty, name.utf8.count <= Self.maximumLength else { return nil }
            self = .abstract(name)
        } else {
            return nil
        }
    }

    /// Calls `body` with this address as a `sockaddr_un` and its exact length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name: [UInt8]
        let pathOffset: Int
        switch self {
        case .path(let path):
            name = Array(path.utf8) + [0]
            pathOffset = 0
        case .abstract(let abstractName):
            // The abstract namespace: a leading NUL, then the name, with no terminating NUL counted.
            name = Array(abstractName.utf8)
            pathOffset = 1
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.storeBytes(of: 0, toByteOffset: 0, as: UInt8.self)
            for (index, byte) in name.enumerated() {
                raw.storeBytes(of: byte, toByteOffset: pathOffset + index, as: UInt8.self)
            }
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathOffset + name.count
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}

extension NotifySocketAddress: CustomStringConvertible {
    public var description: String {
        switch self {
        case .path(let path): path
        case .abstract(let name): "@\(name)"
        }
    }
}
