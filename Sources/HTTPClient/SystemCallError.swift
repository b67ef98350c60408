/// A system call of the HTTP client's event loop failed with this errno.
///
/// `description` names the call and the errno only, so it can serve as a log value.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    enum Call: String {
        case epollCreate = "epoll_create1"
        case epollControl = "epoll_ctl"
        case epollWait = "epoll_wait"
        case eventCreate = "eventfd"
    }

    let call: Call
    let errno: Int32

    init(_ call: Call, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    var description: String { "\(call.rawValue)_errno_\(errno)" }
}
