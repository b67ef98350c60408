#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable POSIX thread running one closure.
struct LoopThread: Sendable {
    private final class Body {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }

    #if canImport(Glibc)
    private let handle: pthread_t
    #else
    private let handle: pthread_t?
    #endif

    /// `pthread_create`; fails with the errno it returns.
    init(_ work: @escaping @Sendable () -> Void) throws(LoopThreadError) {
        let body = Unmanaged.passRetained(Body(work)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.work()
            return nil
        }, body)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw LoopThreadError(errno: result)
        }
        handle = thread
    }

    /// `pthread_join`: waits for the closure to return. Call once.
    func join() {
        #if canImport(Glibc)
        _ = pthread_join(handle, nil)
        #else
        if let handle { _ = pthread_join(handle, nil) }
        #endif
    }
}

/// `pthread_create` failed with this errno.
struct LoopThreadError: Error {
    let errno: Int32
}
