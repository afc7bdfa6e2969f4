// Coverage-guided fuzzing of the config reader (TOML, then every section's checks): any text
// gives a config or a list of problems, never a trap; a config that reads renders
// (`redactedDescription`) to text that reads back, and renders the same again. See
// Fuzz/README.md.
import FuzzDriver
import SimgateConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let config = try? GatewayConfig.parse(text: text, fileName: "fuzz.toml") else { return 0 }
    let rendered = config.redactedDescription
    let again: GatewayConfig
    do {
        again = try GatewayConfig.parse(text: rendered, fileName: "rendered.toml", acceptingRedactedSecrets: true)
    } catch {
        fatalError("the rendered config does not read back: \(error)\n\(rendered)")
    }
    if again.redactedDescription != rendered { fatalError("rendering is not stable:\n\(rendered)\n---\n\(again.redactedDescription)") }
    return 0
}

FuzzDriver.run("FuzzConfig", fuzzOne)
