import CLinuxEvents
import Glibc

/// Bytes in an anonymous in-memory file (`memfd_create(2)`), readable by path through `/proc/self/fd`
/// for as long as this value lives: for libraries that take a file name and read it more than once.
public struct MemoryFile: ~Copyable, Sendable {
    public let fd: Int32

    /// A path this process can open to read the bytes.
    public var path: String { "/proc/self/fd/\(fd)" }

    public init(name: String, contents: [UInt8]) throws(SystemCallError) {
        let fd = try SystemCall.retryingOnInterrupt("memfd_create") { logout_memfd_create(name) }
        var written = 0
        while written < contents.count {
            let step = contents.withUnsafeBytes { bytes in
                Result { () throws(SystemCallError) in
                    try SystemCall.retryingOnInterrupt("write") { write(fd, bytes.baseAddress! + written, bytes.count - written) }
                }
            }
            switch step {
            case .success(let count):
                written += count
            case .failure(let error):
                close(fd)
                throw error
            }
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}
