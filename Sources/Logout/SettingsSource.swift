import FoundationEssentials
import POSIXSupport

/// Where settings come from: command-line flags first, then the environment, with every secret
/// also readable from a file named by `NAME_FILE` (Docker secrets) or from a systemd credential.
public struct SettingsSource: Sendable {
    public var environment: [String: String]
    /// Values from flags, keyed by the environment variable they override.
    public var overrides: [String: String]
    public var readFile: @Sendable (String) throws -> String

    public init(
        environment: [String: String],
        overrides: [String: String] = [:],
        readFile: @escaping @Sendable (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) {
        self.environment = environment
        self.overrides = overrides
        self.readFile = readFile
    }

    /// The raw value, nil when unset. An empty value counts as set: a few settings use "" to mean "omit".
    func raw(_ name: String) -> String? {
        overrides[name] ?? environment[name]
    }

    /// The value with "" treated as unset.
    func value(_ name: String) -> String? {
        guard let value = raw(name), !value.isEmpty else { return nil }
        return value
    }

    /// A secret from `NAME`, from the file `NAME_FILE` names (leading and trailing whitespace dropped), or from the
    /// systemd credential named after it (`credentialName`). Two of them at once stop start-up rather
    /// than one silently winning.
    func secret(_ name: String) throws(ConfigurationError) -> String? {
        let direct = value(name)
        let credential = self.credential(Self.credentialName(name))
        if credential != nil, direct != nil || value(name + "_FILE") != nil {
            throw ConfigurationError(
                setting: name, problem: "also given as the credential \(Self.credentialName(name)); keep one")
        }
        guard let path = value(name + "_FILE") else { return direct ?? credential }
        guard direct == nil else {
            throw ConfigurationError(setting: name, problem: "set either \(name) or \(name)_FILE, not both")
        }
        let contents: String
        do {
            contents = try readFile(path)
        } catch {
            throw ConfigurationError(setting: name + "_FILE", problem: "cannot read the file it names")
        }
        let trimmed = String(contents.trimming(while: \.isWhitespace))
        guard !trimmed.isEmpty else { throw ConfigurationError(setting: name + "_FILE", problem: "the file is empty") }
        return trimmed
    }

    /// The credential a secret setting is read from: `SUPABASE_ANON_KEY` is `supabase-anon-key`.
    static func credentialName(_ setting: String) -> String {
        setting.lowercased().replacing("_", with: "-")
    }

    /// `$CREDENTIALS_DIRECTORY/<name>`. An absent or empty credential is no credential: the unit
    /// declares every credential the responder may use, each with a blank stand-in for when its file
    /// does not exist (systemd fails the start on a missing `LoadCredential=` file otherwise).
    private func credential(_ name: String) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
            let contents = try? readFile(directory + "/" + name)
        else { return nil }
        let trimmed = String(contents.trimming(while: \.isWhitespace))
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension SettingsSource: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names no value: the environment holds secrets.
    public var description: String { "SettingsSource(\(environment.count) variables, \(overrides.count) flags)" }
    public var debugDescription: String { description }
}
