import ArgumentParser

public struct SimgateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "simgate", abstract: "Control a running simgated.")
    public init() {}
    public func run() throws {}
}
