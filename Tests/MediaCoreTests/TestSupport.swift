import Foundation
@testable import MediaCore
import TestSupport

extension SplitMix64 {
    /// Standard normal via Box-Muller.
    mutating func gaussian() -> Double {
        let u1 = max(Double.random(in: 0..<1, using: &self), 1e-300)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }
}

func sine(frequency: Double, amplitude: Double, count: Int, sampleRate: Double = 8000, phase: Double = 0.3) -> [Double] {
    (0..<count).map { amplitude * Foundation.sin(2 * .pi * frequency * Double($0) / sampleRate + phase) }
}

func toInt16(_ x: [Double]) -> [Int16] { x.map { Int16(max(-32768, min(32767, $0.rounded()))) } }

func g711RoundTrip(_ samples: [Int16], _ law: G711Law) -> [Int16] {
    var codes = [UInt8](repeating: 0, count: samples.count)
    var out = [Int16](repeating: 0, count: samples.count)
    samples.withUnsafeBufferPointer { s in codes.withUnsafeMutableBytes { G711.encode(law, samples: s, into: $0) } }
    codes.withUnsafeBytes { c in out.withUnsafeMutableBufferPointer { G711.decode(law, codes: c, into: $0) } }
    return out
}

func bytes(_ hex: String) -> [UInt8] {
    let clean = hex.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = clean.startIndex
    while i < clean.endIndex {
        let j = clean.index(i, offsetBy: 2)
        out.append(UInt8(clean[i..<j], radix: 16)!)
        i = j
    }
    return out
}
