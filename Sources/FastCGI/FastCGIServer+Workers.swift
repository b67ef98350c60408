import CFastCGI
import POSIXSupport

extension FastCGIServer {
    /// Starts one joinable thread per worker, each running its own ``WorkerLoop``.
    func startWorkers() throws(FastCGIError) {
        for worker in workers {
            // The loop is built here, so that a failure to create its poll set fails the start.
            let loop = try WorkerLoop(server: self, worker: worker)
            worker.isAlive.store(true, ordering: .releasing)
            let context = WorkerContext(worker: worker, loop: loop)
            do {
                worker.record(try JoinableThread { context.run() })
            } catch {
                worker.isAlive.store(false, ordering: .releasing)
                throw .systemCall(error)
            }
        }
    }
}

/// What a worker thread's entry point needs.
// Handed to the one thread it starts, the only one that touches `loop`.
private final class WorkerContext: @unchecked Sendable {
    let worker: Worker
    private var loop: WorkerLoop?

    init(worker: Worker, loop: consuming WorkerLoop) {
        self.worker = worker
        self.loop = consume loop
    }

    func run() {
        CurrentThread.name("fcgi-worker-\(worker.index)")
        // The loop is gone (its connections closed) before the worker counts as ended.
        if var loop = loop.take() { loop.run() }
        worker.isAlive.store(false, ordering: .releasing)
    }
}
