/// A setting that stops start-up: missing, malformed, or unreadable. Its description is the one line
/// an operator sees; it names the setting and never repeats a secret's value.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let setting: String
    public let problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }

    static func missing(_ setting: String) -> ConfigurationError {
        ConfigurationError(setting: setting, problem: "required setting is missing")
    }

    static func malformed(_ setting: String, _ expectation: String) -> ConfigurationError {
        ConfigurationError(setting: setting, problem: "malformed setting, expected \(expectation)")
    }
}
