import Foundation

/// Where settings come from: command-line flags first, then the environment, with every secret
/// also readable from a file named by `NAME_FILE` (systemd credentials, Docker secrets).
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

    /// A secret from `NAME` or from the file `NAME_FILE` names (trailing newlines dropped).
    func secret(_ name: String) throws(ConfigurationError) -> String? {
        let direct = value(name)
        guard let path = value(name + "_FILE") else { return direct }
        guard direct == nil else {
            throw ConfigurationError(setting: name, problem: "set either \(name) or \(name)_FILE, not both")
        }
        let contents: String
        do {
            contents = try readFile(path)
        } catch {
            throw ConfigurationError(setting: name + "_FILE", problem: "cannot read the file it names")
        }
        let trimmed = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ConfigurationError(setting: name + "_FILE", problem: "the file is empty") }
        return trimmed
    }
}

extension SettingsSource: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names no value: the environment holds secrets.
    public var description: String { "SettingsSource(\(environment.count) variables, \(overrides.count) flags)" }
    public var debugDescription: String { description }
}
