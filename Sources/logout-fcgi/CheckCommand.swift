import ArgumentParser
import ConfigurationCheck
import FoundationEssentials
import HTTPClient
import Logging
import Logout
import SupabaseAuth

/// `logout-fcgi check`: reads the settings as a start does, checks what they point at, prints one
/// line per check and exits 0, 78 (a bad setting) or 69 (Supabase Auth or the address unusable).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the settings and what they point at, then exit; serves nothing.",
        discussion: """
            Reads the settings exactly as a start would (environment, NAME_FILE, systemd credentials, flags), \
            then prints one line per check, ok or FAIL with the reason, never a secret: settings (every bad \
            setting named); reachable (a connection to SUPABASE_URL); TLS (the certificate verified); apikey \
            (GET /auth/v1/settings accepts the key; a note when a wrong key is accepted too); keys (the JWKS \
            in use, its key ids and algorithms, and the HS256 secret); issuer (the openid-configuration's \
            issuer, or LOGOUT_JWT_ISSUER); listen (the address is free, held by a running FastCGI responder, \
            or the socket systemd passed). Exit status: 0 when all pass, 78 when any setting is bad (the \
            network checks still run where they can), otherwise 69 when any other check fails. Run it as \
            the service runs: systemctl start logout-fcgi-check.service, or systemd-run --pipe --wait with \
            the service's properties.
            """)

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let source = SettingsSource(environment: environment, overrides: settings.overrides)
        let report = await Self.report(source, environment: environment)
        print(report.results.map(\.line).joined(separator: "\n"))
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    static func report(_ source: SettingsSource, environment: [String: String]) async -> CheckReport {
        let inspection = SettingsInspection(source, startChecks: startChecks)
        var results = [settingsResult(inspection)]
        guard let configuration = inspection.configuration else {
            results += ["reachable", "TLS", "apikey", "keys", "issuer", "listen"].map {
                CheckResult($0, .skipped, "SUPABASE_URL is not usable")
            }
            return CheckReport(results: results)
        }
        var logger = Logger(label: "logout-fcgi-check")
        logger.logLevel = .error
        // The client a start builds, from the same settings: whatever it trusts, check trusts.
        guard let http = try? LogoutCommand.httpClient(configuration, logger: logger) else {
            results.append(.failed("reachable", .unavailable, "the HTTP client could not be set up"))
            return CheckReport(results: results)
        }
        defer { http.shutdown() }
        let probe = SupabaseProbe(
            http: http, supabaseURL: configuration.supabaseURL,
            anonKey: inspection.anonKeyUsable ? configuration.anonKey : nil, timeout: configuration.upstreamTimeout)
        let connection = await probe.connection()
        results += connection.results
        results.append(
            await KeysCheck.run(
                jwks: LogoutHandler.jwksSource(configuration, http: http), fromFile: configuration.jwksFile != nil,
                hmacSecretSet: configuration.jwtSecret != nil))
        results.append(
            connection.answered
                ? await probe.issuer(setting: issuerSetting(source)) : CheckResult("issuer", .skipped, "no connection"))
        results.append(listenResult(configuration, inspection: inspection, environment: environment))
        return CheckReport(results: results)
    }

    /// What a start refuses after the settings load: the listen address and the token keys.
    private static func startChecks(_ configuration: LogoutConfiguration) -> [ConfigurationError] {
        var problems: [ConfigurationError] = []
        do {
            _ = try LogoutCommand.listenAddress(configuration.listen)
        } catch {
            if case .configuration(let problem) = error { problems.append(problem) }
        }
        if let secret = configuration.jwtSecret, secret.utf8.count < TokenVerifier.minimumHMACSecretBytes {
            problems.append(.init(verifierError: .hmacSecretTooShort(minimumBytes: TokenVerifier.minimumHMACSecretBytes)))
        }
        if configuration.jwtSecret == nil, configuration.jwksFile == nil, configuration.jwksURL == nil {
            problems.append(.init(verifierError: .noKeysConfigured))
        }
        return problems
    }

    private static func settingsResult(_ inspection: SettingsInspection) -> CheckResult {
        guard inspection.problems.isEmpty, let configuration = inspection.configuration else {
            return .failed("settings", .setting, inspection.problems.map(\.description).joined(separator: "; "))
        }
        return .ok("settings", "loaded as a start would; SUPABASE_URL \(configuration.supabaseURL)")
    }

    private static func listenResult(
        _ configuration: LogoutConfiguration, inspection: SettingsInspection, environment: [String: String]
    ) -> CheckResult {
        guard let address = try? LogoutCommand.listenAddress(configuration.listen),
            !inspection.problems.contains(where: { $0.setting == "LOGOUT_LISTEN" })
        else { return CheckResult("listen", .skipped, "LOGOUT_LISTEN is not usable") }
        return ListenCheck.run(address, environment: environment)
    }

    /// `LOGOUT_JWT_ISSUER` as given (empty is unset), whatever default a start derives from it.
    private static func issuerSetting(_ source: SettingsSource) -> String? {
        guard let value = source.overrides["LOGOUT_JWT_ISSUER"] ?? source.environment["LOGOUT_JWT_ISSUER"],
            !value.isEmpty
        else { return nil }
        return value
    }
}
