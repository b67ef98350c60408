import Glibc
import Logging
import POSIXSupport

/// Tells the service manager about state changes with the `sd_notify` protocol: one datagram of
/// newline-separated `KEY=value` lines sent to the `AF_UNIX` socket named by `NOTIFY_SOCKET`.
///
/// Without `NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every call does nothing.
/// Delivery failures are logged at debug level and otherwise ignored, as `sd_notify` callers do.
public struct SystemdNotifier: Sendable {
    /// The service manager's socket; nil when notifications are off.
    public let address: NotifySocketAddress?
    private let logger: Logger

    /// Reads `NOTIFY_SOCKET` from `environment`. A value that is neither an absolute path nor an
    /// `@abstract` name turns notifications off, with a warning.
    public init(environment: [String: String], logger: Logger) {
        self.logger = logger
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            address = nil
            return
        }
        address = NotifySocketAddress(parsing: value)
        if address == nil {
            logger.warning(
                "NOTIFY_SOCKET is not an absolute path or an abstract socket name; service manager notifications are off",
                metadata: ["systemd.notify_socket": .string(value)])
        }
    }

    /// A notifier for a known socket, or one that does nothing when `address` is nil.
    public init(address: NotifySocketAddress?, logger: Logger) {
        self.address = address
        self.logger = logger
    }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { address != nil }

    /// Sends `state` (for example `"READY=1\nSTATUS=serving"`) as one datagram.
    /// - Returns: whether it was delivered; false when notifications are off or sending failed.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let address else { return false }
        do throws(NotifyError) {
            try Self.send(Array(state.utf8), to: address)
            return true
        } catch {
            logger.debug(
                "service manager notification not delivered",
                metadata: ["systemd.notify_socket": "\(address)", "error": "\(error)"])
            return false
        }
    }

    /// The whole message as one datagram from a fresh `AF_UNIX` socket.
    private static func send(_ message: [UInt8], to address: NotifySocketAddress) throws(NotifyError) {
        let fd: Int32
        do {
            fd = try SystemCall.socket(domain: AF_UNIX, type: SOCK_DGRAM)
        } catch {
            throw .systemCall(error)
        }
        defer { SystemCall.close(fd) }
        let sent = address.withSocketAddress { socketAddress, length in
            message.withUnsafeBytes { bytes in
                Result { () throws(SystemCallError) in try SystemCall.send(bytes, on: fd, to: socketAddress, length) }
            }
        }
        switch sent {
        case .success(let count) where count == message.count: return
        case .success(let count): throw .truncated(sent: count, of: message.count)
        case .failure(let error): throw .systemCall(error)
        }
    }
}
