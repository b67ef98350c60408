import CFastCGI
import Glibc

// libfcgi reaches the operating system only through its OS layer (`fcgios.h`): `OS_Accept`,
// `OS_Read`, `OS_Write` and `OS_IpcClose` are exported by libfcgi.so and called through its PLT,
// so the definitions below, exported from the executable (see Package.swift), take their place
// for every call libfcgi makes. libfcgi keeps its record parsing and writing; it never again
// blocks a worker on a socket:
// - `OS_Accept` hands over a connection whose whole request the transport has already read and
//   validated (the "listening socket" of that FCGX_Request is the connection itself);
// - `OS_Read` serves that request's bytes from memory;
// - `OS_Write` writes what the non-blocking socket takes and keeps the rest with the request, for
//   the event loop to write when the socket turns writable: it never waits;
// - `OS_IpcClose` closes at once (or, with reply bytes still unsent, once they are written): the
//   request was read to its end, so there is nothing to drain, and libfcgi's own close lingers up
//   to 2 s in select(), which also breaks above fd 1023.
// They are public because an optimized build gives an internal function's symbol hidden visibility,
// and the linker cannot export a hidden symbol: the release binary would keep libfcgi's own.

@_cdecl("OS_Accept")
public func libfcgiAccept(_ connection: Int32, _ failOnInterrupt: Int32, _ webServerAddresses: UnsafePointer<CChar>?) -> Int32 {
    guard let replay = ReplayTable.replay(for: connection), !replay.pointee.isAccepted else {
        errno = EPROTO
        return -1
    }
    replay.pointee.isAccepted = true
    return connection
}

@_cdecl("OS_Read")
public func libfcgiRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int32 {
    guard let buffer else { return 0 }
    guard let replay = ReplayTable.replay(for: fd) else {
        errno = EBADF
        return -1
    }
    return Int32(replay.pointee.read(into: buffer, count: min(count, Int(Int32.max))))
}

@_cdecl("OS_Write")
public func libfcgiWrite(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int32 {
    guard let buffer, count > 0 else { return 0 }
    guard let replay = ReplayTable.replay(for: fd) else {
        errno = EBADF
        return -1
    }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: min(count, Int(Int32.max)))
    return SocketWriter.write(bytes, to: fd, keepingTheRestIn: &replay.pointee.unsent) ? Int32(bytes.count) : -1
}

@_cdecl("OS_IpcClose")
public func libfcgiClose(_ fd: Int32, _ shutdown: Int32) -> Int32 {
    guard fd >= 0 else { return 0 }
    let replay = ReplayTable.replay(for: fd)
    replay?.pointee.isClosed = true
    ReplayTable.clear(fd)
    // Whoever finishes the request writes what is left, then closes.
    if let replay, !replay.pointee.unsent.isEmpty { return 0 }
    return Glibc.close(fd)
}

/// The functions above, for checking at start-up that libfcgi really calls them.
enum LibfcgiOSLayer {
    static var overrides: [(name: String, address: UnsafeRawPointer)] {[
        ("OS_Accept", unsafeBitCast(libfcgiAccept as @convention(c) (Int32, Int32, UnsafePointer<CChar>?) -> Int32, to: UnsafeRawPointer.self)),
        ("OS_Read", unsafeBitCast(libfcgiRead as @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32, to: UnsafeRawPointer.self)),
        ("OS_Write", unsafeBitCast(libfcgiWrite as @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32, to: UnsafeRawPointer.self)),
        ("OS_IpcClose", unsafeBitCast(libfcgiClose as @convention(c) (Int32, Int32) -> Int32, to: UnsafeRawPointer.self)),
    ]}

    /// The override whose name the process's global symbol lookup does not resolve to this
    /// executable's definition (the linker did not export it), or nil when all are in place.
    static func missingOverride() -> String? {
        for (name, address) in overrides where dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) != address {
            return name
        }
        return nil
    }
}
