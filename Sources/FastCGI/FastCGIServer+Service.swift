import Logging
import POSIXSupport
import ServiceLifecycle

extension FastCGIServer: Service {
    /// Starts the worker threads and suspends until graceful shutdown (or cancellation, or
    /// ``shutdownGracefully()``); then stops accepting, waits up to the drain timeout for requests
    /// in flight, joins the workers, closes the socket it owns and removes the unix socket path it
    /// created.
    public func run() async throws {
        let firstRun = hasStarted.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
            .exchanged
        precondition(firstRun, "FastCGIServer.run() called twice")
        logger.info(
            "FastCGI transport listening",
            metadata: [
                "fastcgi.listen": "\(configuration.listenAddress)",
                "fastcgi.workers": "\(workers.count)",
                "fastcgi.max_in_flight": "\(slots.capacity)",
            ])
        do {
            try startWorkers()
        } catch {
            shutdownGracefully()
            await drainDetached()
            throw error
        }
        await withTaskCancellationOrGracefulShutdownHandler {
            await stopSignal.wait()
        } onCancelOrGracefulShutdown: {
            self.shutdownGracefully()
        }
        await drainDetached()
    }

    /// Stops accepting: the workers finish the requests they are reading or answering and exit,
    /// and ``run()`` drains and returns. Safe to call more than once, from anywhere.
    public func shutdownGracefully() {
        guard stopSignal.fire() else { return }
        logger.info("FastCGI transport stopping", metadata: ["fastcgi.in_flight": "\(inFlight)"])
        isStopping.store(true, ordering: .releasing)
        // The unix socket path this process created goes first, so nothing new connects; what is
        // already queued is accepted by the workers as they stop and answered. The socket itself is
        // shut down once they have (see drain). An inherited socket stays as it is, for the service
        // manager to pass to the next instance.
        socket.removeCreatedPath()
        stopEvent.signal()
    }

    /// Drains in a task of its own, so that cancelling run() cannot cut the drain short.
    private func drainDetached() async {
        await Task.detached { await self.drain() }.value
    }

    private func drain() async {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        var isShutDown = false
        while liveWorkers > 0 || inFlight > 0 {
            if !isShutDown, workersAccepting.load(ordering: .acquiring) == 0 || liveWorkers == 0 {
                socket.shutDownIfOwned()
                isShutDown = true
            }
            if ContinuousClock.now >= deadline {
                logger.warning(
                    "FastCGI drain timed out",
                    metadata: ["fastcgi.in_flight": "\(inFlight)", "fastcgi.live_workers": "\(liveWorkers)"])
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        for worker in workers {
            if let failure = worker.joinIfEnded() {
                logger.warning("Joining a FastCGI worker failed", metadata: ["fastcgi.error": "\(failure)"])
            }
        }
        // A worker still running may yet use the descriptor: it is closed only when none is.
        if !isShutDown { socket.shutDownIfOwned() }
        if liveWorkers == 0 { socket.closeIfOwned() }
        socket.removeCreatedPath()
        logger.info("FastCGI transport stopped")
    }
}
