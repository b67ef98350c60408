import Logging
import ServiceLifecycle

extension FastCGIServer: Service {
    /// Starts the acceptor threads and suspends until graceful shutdown (or cancellation, or
    /// ``shutdownGracefully()``); then stops accepting, waits up to the drain timeout for requests
    /// in flight, closes the socket it owns and removes the unix socket path it created.
    public func run() async throws {
        let firstRun = hasStarted.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
            .exchanged
        precondition(firstRun, "FastCGIServer.run() called twice")
        logger.info(
            "FastCGI transport listening",
            metadata: [
                "fastcgi.listen": "\(configuration.listenAddress)",
                "fastcgi.acceptors": "\(acceptors.count)",
                "fastcgi.max_in_flight": "\(slots.capacity)",
            ])
        do {
            try startAcceptors()
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

    /// Stops accepting: the acceptors finish what they are answering and exit, and ``run()``
    /// drains and returns. Safe to call more than once, from anywhere.
    public func shutdownGracefully() {
        guard stopSignal.fire() else { return }
        logger.info("FastCGI transport stopping", metadata: ["fastcgi.in_flight": "\(inFlight)"])
        isStopping.store(true, ordering: .releasing)
        // An owned socket: shutdown wakes every thread blocked in accept(). An inherited one must
        // stay usable by the service manager, so each blocked thread gets the wake-up signal.
        socket.shutDownIfOwned()
        wakeAcceptors()
    }

    private func wakeAcceptors() {
        for acceptor in acceptors { acceptor.wakeIfAccepting() }
    }

    /// Drains in a task of its own, so that cancelling run() cannot cut the drain short.
    private func drainDetached() async {
        await Task.detached { await self.drain() }.value
    }

    private func drain() async {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        // A signal can land just before a thread enters accept(); it is sent again until every
        // acceptor has left its loop.
        while liveAcceptors > 0 || inFlight > 0 {
            if ContinuousClock.now >= deadline {
                logger.warning(
                    "FastCGI drain timed out",
                    metadata: ["fastcgi.in_flight": "\(inFlight)", "fastcgi.live_acceptors": "\(liveAcceptors)"])
                break
            }
            wakeAcceptors()
            try? await Task.sleep(for: .milliseconds(5))
        }
        // A thread still inside libfcgi may yet use the descriptor: it is closed only when none is.
        if liveAcceptors == 0 { socket.closeIfOwned() }
        socket.removeCreatedPath()
        logger.info("FastCGI transport stopped")
    }
}
