import ArgumentParser
import FastCGI
import Foundation
import HTTPClient
import Logging
import Logout
import Prometheus
import ServiceLifecycle
import UnixSignals
import SupabaseAuth
import Systemd

@main
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout-fcgi",
        abstract: "FastCGI responder for POST /api/auth/logout with Supabase Auth.",
        discussion: """
            Every setting is read from its environment variable (named first in each flag's help); a flag \
            overrides it. Secrets (SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET, LOGOUT_CSRF_SECRET) are never \
            flags, since ps shows every process's arguments: set them in the environment, or in a file that \
            NAME_FILE or its flag names (systemd credentials). A missing or malformed setting stops \
            start-up with one line naming it and exit code 78.
            """,
        version: Version.current)

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        // The environment as it was at start, so a reload re-reads files but not a changed environment.
        let settings = SettingsSource(environment: ProcessInfo.processInfo.environment, overrides: self.settings.overrides)
        let configuration: LogoutConfiguration
        do {
            configuration = try LogoutConfiguration.load(from: settings)
        } catch {
            throw StartupFailure.configuration(error)
        }
        let listenAddress = try Self.listenAddress(configuration.listen)

        // Trapped before the socket opens: a SIGTERM that arrives as soon as the socket accepts (a
        // service manager stopping a unit that just started) must drain, not kill the process.
        let shutdownSignals = await UnixSignalsSequence(trapping: .sigterm, .sigint)

        let logLevel = LogLevelControl(configuration.logLevel)
        let journal = JournalStream.isConnected(environment: ProcessInfo.processInfo.environment)
        let logLines = Self.logLines
        LoggingSystem.bootstrap {
            JSONLogHandler(label: $0, level: logLevel, journalPriorities: journal, output: logLines.append)
        }
        let logger = Logger(label: "logout-fcgi")
        let metrics = LogoutMetrics(registry: PrometheusCollectorRegistry(), version: Version.current)
        logLines.onDroppedLine { metrics.recordDroppedLogLine() }

        // Every request holding a slot may wait on its own upstream connection (HTTP/1.1), so the
        // connection pool is as large as the slot count; HTTP/2 multiplexes them over fewer.
        let http = try HTTPClient(
            userAgent: Version.userAgent, logger: logger,
            configuration: .init(
                maxHostConnections: configuration.maxInFlight, maxCachedConnections: configuration.maxInFlight,
                maxIdleHandles: configuration.maxInFlight))
        let handler = try await LogoutHandler.assemble(configuration, http: http, metrics: metrics, logger: logger)
        let router = Router(logout: handler, metrics: metrics, logger: logger)

        let server: FastCGIServer
        do {
            server = try FastCGIServer(
                configuration: .init(
                    listenAddress: listenAddress,
                    workerThreads: configuration.workers ?? FastCGIServer.Configuration.defaultWorkerThreads,
                    maxInFlight: configuration.maxInFlight,
                    readTimeout: configuration.readTimeout,
                    drainTimeout: configuration.drainTimeout,
                    logger: logger),
                responder: RouterResponder(router: router))
        } catch {
            throw StartupFailure.listen(String(describing: error))
        }
        router.readInFlight { (server.inFlight, server.capacity) }

        StartupLog.write(configuration, version: Version.current, to: logger)
        // READY=1 once the workers and the libcurl loop run; WATCHDOG=1 only while both stay alive.
        let systemd = SystemdService(logger: logger) { server.isHealthy && http.isAlive }
        let reload = HangupReload(
            settings: settings, router: router, http: http, metrics: metrics, logLevel: logLevel, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                // A group stops its services in reverse order, each after the one before has returned:
                // systemd hears STOPPING=1 at once, then the transport drains while the libcurl loop
                // still serves the revocations in flight.
                services: [
                    .init(service: reload), .init(service: http), .init(service: server), .init(service: systemd),
                ],
                logger: logger))
        let signalWatcher = Task {
            for await _ in shutdownSignals { await group.triggerGracefulShutdown() }
        }
        defer { signalWatcher.cancel() }
        try await group.run()
    }
}

extension LogoutCommand {
    /// Every log line of the process, written by its own thread; flushed before the process exits.
    static let logLines = LogLineBuffer(sink: LogLineBuffer.standardError)

    /// Reports a start-up failure as one line on standard error and the exit code systemd expects.
    static func main() async {
        do {
            defer { logLines.close() }
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as StartupFailure {
            let priority =
                JournalStream.isConnected(environment: ProcessInfo.processInfo.environment)
                ? JournalStream.priorityPrefix(.error) : ""
            FileHandle.standardError.write(Data("\(priority)logout-fcgi: \(failure)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
