import FastCGI
import Testing

@Suite("FastCGI in-flight slots")
struct FastCGIInFlightTests {
    @Test func fullSlotsAnswerOverloadedAtOnceAndFreeSlotsServeAgain() async throws {
        let gate = Gate()
        let running = try RunningServer.start(
            workerThreads: 3, maxInFlight: 2,
            responder: ClosureResponder { _ in
                .later(whenOverloaded: { .text(503, "overloaded") }) {
                    await gate.wait()
                    return .text(200, "done")
                }
            })
        #expect(running.server.capacity == 2)
        let client = running.client
        let first = Task { try await client.send() }
        let second = Task { try await client.send() }
        #expect(await poll { running.server.inFlight == 2 && gate.arrivals == 2 })

        let overloaded = try await client.send()
        #expect(overloaded.status == 503)
        #expect(overloaded.body == "overloaded")
        #expect(running.server.inFlight == 2)

        gate.open()
        #expect(try await first.value.body == "done")
        #expect(try await second.value.body == "done")
        #expect(await poll { running.server.inFlight == 0 })

        let again = try await client.send()
        #expect(again.status == 200)
        try await running.stop()
    }
}
