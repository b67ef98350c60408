import Glibc

/// A joinable POSIX thread running one closure.
public struct JoinableThread: Sendable {
    private final class Body {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }

    private let handle: pthread_t

    /// `pthread_create`, with default attributes; fails with the code it returns.
    public init(_ work: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let body = Unmanaged.passRetained(Body(work)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
                body.work()
                return nil
            }, body)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw SystemCallError("pthread_create", errno: result)
        }
        handle = thread
    }

    /// `pthread_join`: waits for the closure to return. Call once; nil on success.
    @discardableResult
    public func join() -> SystemCallError? {
        let result = pthread_join(handle, nil)
        return result == 0 ? nil : SystemCallError("pthread_join", errno: result)
    }
}
