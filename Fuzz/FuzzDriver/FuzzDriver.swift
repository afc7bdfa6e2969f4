// What every fuzzing harness shares: under `-DFUZZING` (with `-sanitize=fuzzer`) libFuzzer
// drives the harness's one-input function; in plain builds each file named on the command
// line is fed to it once, so a crash input kept in Fuzz/corpus/ stays a regression check.
import CFuzzerDriver
import Foundation

public enum FuzzDriver {
    public typealias OneInput = (UnsafePointer<UInt8>?, Int) -> CInt

    /// libFuzzer takes a C function pointer, which cannot carry a closure's context: the
    /// harness's function waits here.
    nonisolated(unsafe) static var oneInput: OneInput?

    /// Runs `harness` (its name is for error messages) and exits.
    public static func run(_ harness: String, _ body: @escaping OneInput) -> Never {
        oneInput = body
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in FuzzDriver.oneInput!(data, size) })
        #else
        for path in CommandLine.arguments.dropFirst() {
            guard let contents = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(harness): cannot read \(path)\n".utf8))
                exit(1)
            }
            let bytes = [UInt8](contents)
            _ = bytes.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
        }
        exit(0)
        #endif
    }
}
