import Logout

/// The settings as a start reads them, every bad one named rather than only the first, and what is
/// still usable for the network checks.
public struct SettingsInspection: Sendable {
    /// The configuration with each bad setting left at its default; nil when `SUPABASE_URL` itself
    /// is unusable (no network check can run then).
    public let configuration: LogoutConfiguration?
    /// Every setting that would stop a start, in the order they were found.
    public let problems: [ConfigurationError]
    /// False when `SUPABASE_ANON_KEY` is unusable: `configuration` then holds a stand-in key, and
    /// the checks that need the real one do not run.
    public let anonKeyUsable: Bool

    /// A stand-in key that lets the rest of the settings load when the real one is unusable.
    static let placeholderAnonKey = "logout-fcgi-check-no-key"

    /// Loads `source` as a start does; each bad setting is noted and dropped (so its default applies)
    /// and the load repeated, until it succeeds or `SUPABASE_URL` is the problem.
    /// `startChecks` adds what a start refuses after loading (the listen address, the token keys).
    public init(
        _ source: SettingsSource,
        startChecks: (LogoutConfiguration) -> [ConfigurationError]
    ) {
        var source = source
        var problems: [ConfigurationError] = []
        var anonKeyUsable = true
        var configuration: LogoutConfiguration?
        var dropped: Set<String> = []
        while configuration == nil {
            do {
                configuration = try LogoutConfiguration.load(from: source)
            } catch {
                let name = Self.baseName(error.setting)
                problems.append(error)
                // Dropping a setting twice and still failing: give up rather than loop.
                guard name != "SUPABASE_URL", dropped.insert(name).inserted else { break }
                source = Self.dropping(name, from: source)
                if name == "SUPABASE_ANON_KEY" {
                    anonKeyUsable = false
                    source.environment[name] = Self.placeholderAnonKey
                }
            }
        }
        if let configuration { problems += startChecks(configuration) }
        self.configuration = configuration
        self.problems = problems
        self.anonKeyUsable = anonKeyUsable
    }

    /// `SUPABASE_ANON_KEY` for `SUPABASE_ANON_KEY_FILE`: a secret's file names the secret.
    static func baseName(_ setting: String) -> String {
        setting.hasSuffix("_FILE") ? String(setting.dropLast("_FILE".count)) : setting
    }

    /// `source` without the setting: its variable, its `_FILE` and its systemd credential.
    static func dropping(_ name: String, from source: SettingsSource) -> SettingsSource {
        var source = source
        for key in [name, name + "_FILE"] {
            source.environment[key] = nil
            source.overrides[key] = nil
        }
        let credential = "/" + name.lowercased().replacing("_", with: "-")
        let readFile = source.readFile
        source.readFile = { path in
            guard !path.hasSuffix(credential) else { throw CredentialDropped() }
            return try readFile(path)
        }
        return source
    }

    private struct CredentialDropped: Error {}
}
