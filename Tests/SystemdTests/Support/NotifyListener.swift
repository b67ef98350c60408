import FoundationEssentials
import Glibc

/// The service manager's side of the notification protocol: a datagram socket the test binds, in a
/// temporary directory or in the abstract namespace, read without blocking.
final class NotifyListener: @unchecked Sendable {
    /// One datagram and when the test saw it.
    struct Message {
        let text: String
        let receivedAt: ContinuousClock.Instant
    }

    /// The value to put in `NOTIFY_SOCKET`.
    let notifySocket: String
    private let fd: Int32
    private let directory: String?

    /// Binds `<temporary directory>/notify.sock`.
    static func path() throws -> NotifyListener {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("systemd-tests-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let path = directory + "/notify.sock"
        return try NotifyListener(notifySocket: path, sunPath: Array(path.utf8) + [0], directory: directory)
    }

    /// Binds a unique name in the abstract namespace (`@name`).
    static func abstract() throws -> NotifyListener {
        let name = "logout-fcgi-systemd-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        return try NotifyListener(notifySocket: "@" + name, sunPath: [0] + Array(name.utf8), directory: nil)
    }

    private init(notifySocket: String, sunPath: [UInt8], directory: String?) throws {
        self.notifySocket = notifySocket
        self.directory = directory
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in sunPath.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + sunPath.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code)!)
        }
    }

    deinit {
        close(fd)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The environment a service manager would give its service.
    func environment(watchdogMicroseconds: Int? = nil) -> [String: String] {
        var environment = ["NOTIFY_SOCKET": notifySocket]
        if let watchdogMicroseconds { environment["WATCHDOG_USEC"] = String(watchdogMicroseconds) }
        return environment
    }

    /// The next datagram, or nil when none arrives within `limit`.
    func next(within limit: Duration = .seconds(5)) async -> Message? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            if let text = receiveNow() { return Message(text: text, receivedAt: clock.now) }
            if clock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The next datagram other than `WATCHDOG=1`.
    func nextIgnoringWatchdog(within limit: Duration = .seconds(5)) async -> Message? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while let message = await next(within: deadline - clock.now) {
            if message.text != "WATCHDOG=1" { return message }
        }
        return nil
    }

    private func receiveNow() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
