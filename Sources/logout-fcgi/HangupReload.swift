import HTTPClient
import Logging
import Logout
import ServiceLifecycle
import UnixSignals
import SupabaseAuth

/// On SIGHUP: reads the settings again (secret files included), reloads the JWKS, applies the log
/// level and swaps in a new handler. Requests in flight finish with the handler they started with;
/// settings that shape the transport (listen address, workers, slots, drain) need a restart.
/// A reload that fails keeps everything as it was.
struct HangupReload: Service {
    let settings: SettingsSource
    let router: Router
    let http: HTTPClient
    let metrics: LogoutMetrics
    let logLevel: LogLevelControl
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                await reload()
            }
        }
    }

    func reload() async {
        do {
            let configuration: LogoutConfiguration
            do {
                configuration = try LogoutConfiguration.load(from: settings)
            } catch {
                throw StartupFailure.configuration(error)
            }
            let handler = try await LogoutHandler.assemble(configuration, http: http, metrics: metrics, logger: logger)
            router.replace(handler)
            logLevel.level = configuration.logLevel
            logger.notice("settings reloaded", metadata: ["log.level": .string(configuration.logLevel.rawValue)])
        } catch {
            logger.error("reload failed; keeping the running settings", metadata: ["error": .string("\(error)")])
        }
    }
}

extension HangupReload: CustomStringConvertible {
    // The service group logs its services; the default description would print the settings.
    var description: String { "HangupReload" }
}
