import Logging
import ServiceLifecycle
import Synchronization

let quietLogger = Logger(label: "systemd-tests") { _ in SwiftLogNoOpLogHandler() }

/// A health flag a test flips.
final class Health: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    func set(_ healthy: Bool) { value.store(healthy, ordering: .releasing) }
    var check: @Sendable () -> Bool { { self.value.load(ordering: .acquiring) } }
}

/// A gate a task waits on until the test opens it, or `limit` passes: a test that never opens it
/// fails on its expectations instead of hanging.
final class Gate: Sendable {
    private let isOpen = Atomic<Bool>(false)
    func open() { isOpen.store(true, ordering: .releasing) }
    func wait(limit: Duration = .seconds(10)) async {
        _ = await poll(limit: limit) { isOpen.load(ordering: .acquiring) }
    }
}

/// A service that, told to shut down, takes until its gate opens: a transport draining its requests.
final class SlowDrainingService: Service {
    let gate = Gate()
    private let draining = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    var isDraining: Bool { draining.load(ordering: .acquiring) }
    var hasFinished: Bool { finished.load(ordering: .acquiring) }

    func run() async throws {
        try? await gracefulShutdown()
        draining.store(true, ordering: .releasing)
        await gate.wait()
        finished.store(true, ordering: .releasing)
    }
}

func poll(limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
