import Glibc

/// Where connection buffers come from: small ones from malloc, large ones (64 KiB and up) mapped
/// on their own. malloc keeps freed heap memory for reuse and raises its mmap threshold past any
/// size freed once, so the hundreds of MiB half-sent requests can make a process take would stay
/// with it after they close; a mapping goes back to the system as soon as it is unmapped.
enum RequestBufferMemory {
    static let mappingThreshold = 64 * 1024

    /// `byteCount` bytes, or nil when the system has no memory to give.
    static func allocate(_ byteCount: Int) -> UnsafeMutableRawBufferPointer? {
        guard byteCount >= mappingThreshold else {
            guard let memory = malloc(max(byteCount, 1)) else { return nil }
            return UnsafeMutableRawBufferPointer(start: memory, count: byteCount)
        }
        let memory = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory, memory != MAP_FAILED else { return nil }
        return UnsafeMutableRawBufferPointer(start: memory, count: byteCount)
    }

    /// Returns a buffer from ``allocate(_:)``.
    static func free(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        if buffer.count >= mappingThreshold {
            munmap(base, buffer.count)
        } else {
            Glibc.free(base)
        }
    }
}
