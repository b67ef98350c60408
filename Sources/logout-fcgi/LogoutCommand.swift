import ArgumentParser
import FastCGI
import FoundationEssentials
import Glibc
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
            start-up with one line naming it and exit code 78. `logout-fcgi check` tries the settings without \
            serving.
            """,
        version: Version.current,
        subcommands: [CheckCommand.self])

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
        let logger = Self.bootstrapLogging(level: logLevel)
        let metrics = LogoutMetrics(registry: PrometheusCollectorRegistry(), version: Version.current)

        let http = try Self.httpClient(configuration, logger: logger)
        let handler = try await LogoutHandler.assemble(configuration, http: http, metrics: metrics, logger: logger)
        let router = Router(logout: handler, metrics: metrics, logger: logger)
        let server = try Self.transport(configuration, listenAddress, router: router, logger: logger)
        let logLines = Self.logLines
        router.readStats {
            var stats = ScrapeTimeStats()
            stats.inFlight = server.inFlight
            stats.capacity = server.capacity
            stats.openConnections = server.openConnections
            stats.bufferedBytes = server.bufferedBytes
            stats.connectionsClosedForBudget = server.connectionsClosedForBudget
            stats.droppedLogLines = logLines.droppedCount
            return stats
        }

        StartupLog.write(configuration, version: Version.current, to: logger)
        // READY=1 once the workers and the libcurl loop run; WATCHDOG=1 only while both stay alive.
        let systemd = SystemdService(logger: logger) { server.isHealthy && http.isAlive }
        let reload = HangupReload(
            settings: settings, router: router, http: http, metrics: metrics, logLevel: logLevel, logger: logger)
        // A group stops its services in reverse order, each after the one before has returned:
        // systemd hears STOPPING=1 at once, then the transport drains while the libcurl loop
        // still serves the revocations in flight.
        try await Self.serve([reload, http, server, systemd], until: shutdownSignals, logger: logger)
    }
}

extension LogoutCommand {
    /// Every log line of the process, written by its own thread; flushed before the process exits,
    /// for at most `logFlushLimit`.
    static let logLines = LogLineBuffer(sink: LogLineBuffer.standardError)
    static let logFlushLimit = Duration.seconds(2)

    /// Reports a start-up failure as one line on standard error and the exit code systemd expects.
    static func main() async {
        MallocArenas.limitUnlessConfigured(environment: ProcessInfo.processInfo.environment)
        do {
            // A stderr nobody reads (a wedged journal) must not keep the process from exiting once
            // the drain is over: the lines it would not take count as dropped.
            defer { logLines.close(waitingAtMost: logFlushLimit) }
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
            Array("\(priority)logout-fcgi: \(failure)\n".utf8).withUnsafeBytes(LogLineBuffer.standardError)
            Glibc.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
