import Glibc
import Logging
import POSIXSupport

extension FastCGIServer {
    enum ServeOutcome {
        /// The reply was written on this thread; the exchange may take the next request.
        case answered
        /// A task owns the exchange now and will write the reply.
        case deferred
    }

    /// Reads the body of an accepted request, asks the responder and answers now, later, or
    /// overloaded.
    /// A deferred reply the socket would not take at once goes to `inbox`, whose worker writes it.
    func serve(
        _ exchange: FastCGIExchange, on fd: Int32, bodyScratch: UnsafeMutableRawBufferPointer, inbox: WorkerInbox
    ) -> ServeOutcome {
        let (body, tooLarge) = exchange.readBody(limit: configuration.bodyLimit, scratch: bodyScratch)
        let request = FastCGIRequest(environment: exchange.environment, body: body, bodyTooLarge: tooLarge)
        switch responder.respond(to: request) {
        case .now(let response):
            finish(exchange, with: response)
            return .answered
        case .later(let whenOverloaded, let work):
            guard slots.tryAcquire() else {
                finish(exchange, with: whenOverloaded())
                return .answered
            }
            let requestID = exchange.releaseForLaterReply(on: fd)
            // Runs here, on the worker, until the work first waits (on Supabase Auth), so local
            // checks cost no hand-off; the reply is written where that wait resumes.
            Task.immediate {
                let response = await work()
                self.writeLaterReply(response, requestID: requestID, on: fd, inbox: inbox)
                self.slots.release()
            }
            return .deferred
        }
    }

    /// Writes what the socket takes now and hands the rest to the worker (`inbox`), which writes it
    /// when the socket turns writable; the connection is closed after the reply.
    private func writeLaterReply(_ response: FastCGIResponse, requestID: UInt16, on fd: Int32, inbox: WorkerInbox) {
        let records = FastCGIRecords.reply(requestID: requestID, stdout: response.wireBytes())
        var unsent: [UInt8] = []
        let written = records.withUnsafeBytes { SocketWriter.write($0, to: fd, keepingTheRestIn: &unsent) }
        guard written else {
            let code = errno
            logger.debug(
                "The web server went away before the response was written",
                metadata: ["fastcgi.error": "\(code)", "http.status": "\(response.status)"])
            SystemCall.close(fd)
            return
        }
        if unsent.isEmpty {
            SystemCall.close(fd)
        } else {
            inbox.deliver(UnsentReply(bytes: unsent, closesAfterwards: true), on: fd)
        }
    }

    private func finish(_ exchange: FastCGIExchange, with response: FastCGIResponse) {
        if let error = exchange.finish(with: response) {
            logger.debug(
                "The web server went away before the response was written",
                metadata: ["fastcgi.error": "\(error)", "http.status": "\(response.status)"])
        }
    }
}
