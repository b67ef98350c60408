import ServiceLifecycle
import Synchronization
import Systemd
import Testing

@Suite("Service manager notifications over the service's life")
struct SystemdServiceTests {
    static func group(_ services: [any Service]) -> ServiceGroup {
        ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: quietLogger))
    }

    @Test func readyThenWatchdogAtHalfTheTimeoutThenStoppingOnGracefulShutdown() async throws {
        let listener = try NotifyListener.path()
        let service = SystemdService(
            environment: listener.environment(watchdogMicroseconds: 200_000), logger: quietLogger,
            isHealthy: { true })
        let group = Self.group([service])
        let running = Task { try await group.run() }

        let ready = try #require(await listener.next())
        #expect(ready.text == "READY=1\nSTATUS=serving")
        var pings: [ContinuousClock.Instant] = [ready.receivedAt]
        for _ in 0..<4 {
            let ping = try #require(await listener.next())
            #expect(ping.text == "WATCHDOG=1")
            pings.append(ping.receivedAt)
        }
        // Scheduled at half the 200 ms timeout (checked exactly, below); on the wire they must not come
        // in a burst. No upper bound on the measured gap: a test run that starves this task of CPU
        // would make one fail without any fault in the code.
        let average = (pings.last! - pings.first!).milliseconds / Double(pings.count - 1)
        #expect(average >= 70, "average gap \(average) ms")
        #expect(SystemdWatchdog(environment: ["WATCHDOG_USEC": "200000"])?.pingInterval == .milliseconds(100))

        await group.triggerGracefulShutdown()
        #expect(await listener.nextIgnoringWatchdog()?.text == "STOPPING=1")
        try await running.value
    }

    @Test func noWatchdogPingWhileUnhealthy() async throws {
        let listener = try NotifyListener.abstract()
        let health = Health(true)
        let service = SystemdService(
            environment: listener.environment(watchdogMicroseconds: 100_000), logger: quietLogger,
            isHealthy: health.check)
        let group = Self.group([service])
        let running = Task { try await group.run() }
        #expect(await listener.next()?.text.hasPrefix("READY=1") == true)
        #expect(await listener.next()?.text == "WATCHDOG=1")

        health.set(false)
        // A ping whose check ran just before the flip may still be on its way.
        _ = await listener.next(within: .milliseconds(20))
        #expect(await listener.next(within: .milliseconds(300)) == nil, "pinged while unhealthy")

        health.set(true)
        #expect(await listener.next(within: .seconds(2))?.text == "WATCHDOG=1")
        await group.triggerGracefulShutdown()
        #expect(await listener.nextIgnoringWatchdog()?.text == "STOPPING=1")
        try await running.value
    }

    @Test func readyOnlyOnceHealthy() async throws {
        let listener = try NotifyListener.path()
        let health = Health(false)
        let service = SystemdService(environment: listener.environment(), logger: quietLogger, isHealthy: health.check)
        let group = Self.group([service])
        let running = Task { try await group.run() }

        #expect(await listener.next(within: .milliseconds(100)) == nil, "ready before healthy")
        health.set(true)
        #expect(await listener.next()?.text == "READY=1\nSTATUS=serving")
        // Without a watchdog nothing more is sent until shutdown.
        #expect(await listener.next(within: .milliseconds(50)) == nil)

        await group.triggerGracefulShutdown()
        #expect(await listener.next()?.text == "STOPPING=1")
        try await running.value
    }

    @Test func givesUpWhenNeverHealthy() async throws {
        let listener = try NotifyListener.path()
        let service = SystemdService(
            environment: listener.environment(), configuration: .init(readinessTimeout: .milliseconds(50)),
            logger: quietLogger, isHealthy: { false })

        await #expect(throws: SystemdServiceError.notReady(within: .milliseconds(50))) { try await service.run() }
        #expect(await listener.next(within: .milliseconds(20)) == nil)
    }

    @Test func stoppingGoesOutBeforeTheServicesListedEarlierHaveDrained() async throws {
        let listener = try NotifyListener.path()
        let transport = SlowDrainingService()
        let service = SystemdService(
            environment: listener.environment(watchdogMicroseconds: 10_000_000), logger: quietLogger,
            isHealthy: { true })
        let group = Self.group([transport, service])
        let running = Task { try await group.run() }
        #expect(await listener.next()?.text.hasPrefix("READY=1") == true)

        await group.triggerGracefulShutdown()
        #expect(await listener.next()?.text == "STOPPING=1")
        #expect(await poll { transport.isDraining })
        #expect(!transport.hasFinished)

        transport.gate.open()
        try await running.value
        #expect(transport.hasFinished)
    }

    @Test func stoppingOnCancellation() async throws {
        let listener = try NotifyListener.path()
        let service = SystemdService(
            environment: listener.environment(watchdogMicroseconds: 10_000_000), logger: quietLogger,
            isHealthy: { true })
        let running = Task { try await service.run() }
        #expect(await listener.next()?.text.hasPrefix("READY=1") == true)

        running.cancel()
        #expect(await listener.next()?.text == "STOPPING=1")
        try await running.value
        #expect(await listener.next(within: .milliseconds(20)) == nil, "more than one STOPPING=1")
    }

    @Test func withoutNotifySocketItOnlyWaitsForShutdown() async throws {
        let checks = Atomic<Int>(0)
        let service = SystemdService(
            environment: ["WATCHDOG_USEC": "100000"], logger: quietLogger,
            isHealthy: {
                checks.add(1, ordering: .relaxed)
                return true
            })
        let group = Self.group([service])
        let running = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(checks.load(ordering: .relaxed) == 0)
    }
}
