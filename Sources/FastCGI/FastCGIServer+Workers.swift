import CFastCGI
import Glibc

extension FastCGIServer {
    /// Starts one joinable thread per worker, each running its own ``WorkerLoop``.
    func startWorkers() throws(FastCGIError) {
        for worker in workers {
            // The loop is built here, so that a failure to create its poll set fails the start.
            let loop = try WorkerLoop(server: self)
            worker.isAlive.store(true, ordering: .releasing)
            let context = Unmanaged.passRetained(WorkerContext(worker: worker, loop: loop))
            var thread = pthread_t()
            let code = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                    context.run()
                    return nil
                }, context.toOpaque())
            guard code == 0 else {
                context.release()
                worker.isAlive.store(false, ordering: .releasing)
                throw .systemCall(function: "pthread_create", errno: code)
            }
            worker.record(thread)
        }
    }
}

/// What a worker thread's entry point needs, passed through pthread_create's argument.
private final class WorkerContext {
    let worker: Worker
    private var loop: WorkerLoop?

    init(worker: Worker, loop: consuming WorkerLoop) {
        self.worker = worker
        self.loop = consume loop
    }

    func run() {
        _ = cfcgi_name_current_thread("fcgi-worker-\(worker.index)")
        // The loop is gone (its connections closed) before the worker counts as ended.
        if var loop = loop.take() { loop.run() }
        worker.isAlive.store(false, ordering: .releasing)
    }
}
