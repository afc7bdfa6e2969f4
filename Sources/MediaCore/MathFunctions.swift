// The libm functions MediaCore uses, in one place, so no other file needs a platform import
// and MediaCore does not pull in Foundation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum MathFunctions {
    @inline(__always) static func sin(_ x: Double) -> Double { Glibc_or_Darwin_sin(x) }
    @inline(__always) static func cos(_ x: Double) -> Double { Glibc_or_Darwin_cos(x) }
    @inline(__always) static func log10(_ x: Double) -> Double { Glibc_or_Darwin_log10(x) }
    @inline(__always) static func log(_ x: Double) -> Double { Glibc_or_Darwin_log(x) }
    @inline(__always) static func exp(_ x: Double) -> Double { Glibc_or_Darwin_exp(x) }
    @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double { Glibc_or_Darwin_pow(x, y) }
}

// Free-function shims: inside `MathFunctions` the member names shadow libm's.
@inline(__always) private func Glibc_or_Darwin_sin(_ x: Double) -> Double { sin(x) }
@inline(__always) private func Glibc_or_Darwin_cos(_ x: Double) -> Double { cos(x) }
@inline(__always) private func Glibc_or_Darwin_log10(_ x: Double) -> Double { log10(x) }
@inline(__always) private func Glibc_or_Darwin_log(_ x: Double) -> Double { log(x) }
@inline(__always) private func Glibc_or_Darwin_exp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func Glibc_or_Darwin_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
