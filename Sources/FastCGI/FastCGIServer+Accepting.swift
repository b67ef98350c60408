import CFastCGI
import Glibc
import Logging

extension FastCGIServer {
    /// Starts one detached thread per acceptor.
    func startAcceptors() throws(FastCGIError) {
        for acceptor in acceptors {
            acceptor.isAlive.store(true, ordering: .releasing)
            let context = Unmanaged.passRetained(AcceptorContext(server: self, acceptor: acceptor))
            var thread = pthread_t()
            let code = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<AcceptorContext>.fromOpaque(raw!).takeRetainedValue()
                    context.server.acceptLoop(context.acceptor)
                    return nil
                }, context.toOpaque())
            guard code == 0 else {
                context.release()
                acceptor.isAlive.store(false, ordering: .releasing)
                throw .systemCall(function: "pthread_create", errno: code)
            }
            acceptor.record(thread)
            pthread_detach(thread)
        }
    }

    /// One acceptor thread: accept, read, respond, until stopping.
    func acceptLoop(_ acceptor: Acceptor) {
        defer { acceptor.isAlive.store(false, ordering: .releasing) }
        _ = cfcgi_name_current_thread("fcgi-accept-\(acceptor.index)")
        // Threads inherit their creator's signal mask, which may block the wake-up signal.
        _ = cfcgi_unblock_signal(FastCGILibrary.wakeSignal)

        let scratch = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(configuration.bodyLimit + 1, 4096), alignment: 16)
        defer { scratch.deallocate() }
        var exchange = FastCGIExchange(listeningOn: socket.fd)
        defer { exchange.release() }

        while !isStopping.load(ordering: .acquiring) {
            acceptor.isAccepting.store(true, ordering: .releasing)
            let code = exchange.accept()
            acceptor.isAccepting.store(false, ordering: .releasing)
            if code < 0 {
                if isStopping.load(ordering: .acquiring) { break }
                pauseAfterAcceptFailure(code)
                continue
            }
            serve(&exchange, scratch: scratch)
        }
    }

    /// Reads the request, asks the responder and answers now, later, or overloaded.
    private func serve(_ exchange: inout FastCGIExchange, scratch: UnsafeMutableRawBufferPointer) {
        let (body, tooLarge) = exchange.readBody(limit: configuration.bodyLimit, scratch: scratch)
        let request = FastCGIRequest(environment: exchange.environment, body: body, bodyTooLarge: tooLarge)
        switch responder.respond(to: request) {
        case .now(let response):
            finish(exchange, with: response)
        case .later(let whenOverloaded, let work):
            guard slots.tryAcquire() else {
                finish(exchange, with: whenOverloaded())
                return
            }
            // The pending request keeps this FCGX_Request; the acceptor takes a fresh one.
            let pending = exchange
            exchange = FastCGIExchange(listeningOn: socket.fd)
            Task {
                let response = await work()
                self.finish(pending, with: response)
                pending.release()
                self.slots.release()
            }
        }
    }

    private func finish(_ exchange: FastCGIExchange, with response: FastCGIResponse) {
        if let error = exchange.finish(with: response) {
            logger.debug(
                "The web server went away before the response was written",
                metadata: ["fastcgi.error": "\(error)", "http.status": "\(response.status)"])
        }
    }

    /// Logs an accept failure; a pause keeps a lasting one (no descriptors left) from spinning.
    private func pauseAfterAcceptFailure(_ code: Int32) {
        guard -code != EINTR else { return }
        logger.warning(
            "Accepting a FastCGI connection failed",
            metadata: ["fastcgi.error": "\(FastCGIError.systemCall(function: "accept", errno: -code))"])
        usleep(10_000)
    }
}

/// What an acceptor thread's entry point needs, passed through pthread_create's argument.
private final class AcceptorContext {
    let server: FastCGIServer
    let acceptor: Acceptor

    init(server: FastCGIServer, acceptor: Acceptor) {
        self.server = server
        self.acceptor = acceptor
    }
}
