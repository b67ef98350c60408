import FastCGI
import FoundationEssentials
import HTTPClient
import Logging
import Logout
import ServiceLifecycle
import UnixSignals

extension LogoutCommand {
    /// JSON lines through the log buffer, with journal priorities when stderr is the journal.
    static func bootstrapLogging(level: LogLevelControl) -> Logger {
        let journal = JournalStream.isConnected(environment: ProcessInfo.processInfo.environment)
        let logLines = Self.logLines
        LoggingSystem.bootstrap {
            JSONLogHandler(label: $0, level: level, journalPriorities: journal, output: logLines.append)
        }
        return Logger(label: "logout-fcgi")
    }

    /// The libcurl client, trusting `SUPABASE_CA_FILE` besides the system bundle. Over HTTP/1.1 every request
    /// holding a slot may wait on a connection of its own, up to `LOGOUT_UPSTREAM_CONNECTIONS`; HTTP/2
    /// multiplexes them over a few. Built once: a reload keeps its connections and its trust.
    static func httpClient(_ configuration: LogoutConfiguration, logger: Logger) throws -> HTTPClient {
        var trust: TrustedCertificates?
        if let path = configuration.supabaseCAFile {
            do {
                trust = try TrustedCertificates.load(path: path)
            } catch {
                throw StartupFailure.configuration(ConfigurationError(setting: "SUPABASE_CA_FILE", problem: "\(path) \(error)"))
            }
        }
        return try HTTPClient(
            userAgent: Version.userAgent, logger: logger,
            configuration: .init(
                maxHostConnections: configuration.upstreamConnections,
                maxCachedConnections: configuration.upstreamConnections,
                additionalTrust: trust))
    }

    /// The FastCGI transport on `address`, serving `router`.
    static func transport(
        _ configuration: LogoutConfiguration, _ address: FastCGIListenAddress, router: Router, logger: Logger
    ) throws(StartupFailure) -> FastCGIServer {
        do {
            return try FastCGIServer(
                configuration: .init(
                    listenAddress: address,
                    workerThreads: configuration.workers ?? FastCGIServer.Configuration.defaultWorkerThreads,
                    maxInFlight: configuration.maxInFlight,
                    readTimeout: configuration.readTimeout,
                    writeTimeout: configuration.writeTimeout,
                    maxBufferedBytes: configuration.maxBufferedBytes,
                    maxConnections: configuration.maxConnections,
                    listenBacklog: configuration.listenBacklog.map { Int32($0) },
                    drainTimeout: configuration.drainTimeout,
                    logger: logger),
                responder: RouterResponder(router: router))
        } catch {
            throw .listen(String(describing: error))
        }
    }

    /// Runs `services` in one group until they end; SIGTERM or SIGINT starts its graceful shutdown.
    static func serve(
        _ services: [any Service], until shutdownSignals: UnixSignalsSequence, logger: Logger
    ) async throws {
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        let signalWatcher = Task {
            for await _ in shutdownSignals { await group.triggerGracefulShutdown() }
        }
        defer { signalWatcher.cancel() }
        try await group.run()
    }
}
