import Synchronization

/// A counter of deferred replies with a ceiling: one slot per `.later` request being worked on.
final class InFlightSlots: Sendable {
    let capacity: Int
    private let taken = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int {
        taken.load(ordering: .relaxed)
    }

    /// Takes a slot when fewer than `capacity` are taken.
    func tryAcquire() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = taken.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        taken.subtract(1, ordering: .releasing)
    }
}
