import POSIXSupport

/// Why a notification was not delivered. Never fatal: the notifier logs it at debug level.
enum NotifyError: Error, CustomStringConvertible {
    case systemCall(SystemCallError)
    case truncated(sent: Int, of: Int)

    var description: String {
        switch self {
        case .systemCall(let failure): failure.description
        case .truncated(let sent, let total): "sendto sent \(sent) of \(total) bytes"
        }
    }
}
