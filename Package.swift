// swift-tools-version:6.1
//
// simgate: a SIP/GSM gateway controller. Layers (see DESIGN.md):
//   sans-IO cores  ModemCore, SIPCore, MediaCore, RoutingCore, SMSCore, CallCore
//                  (no sockets, files or clocks)
//   data           SimgateConfig (config file), Storage (SQLite), ControlModel (API types)
//   the live system Gateway (the only layer that does IO)
//   programs       simgated (daemon), simgate (CLI), modemsim (simulated modems)
//
// SIMGATE_ONLY=ModemCore,RoutingCore (environment) trims the package to those targets and
// their tests, so work on one pure core builds in seconds instead of building NIO and GRDB.
// CI and `make` never set it.
import PackageDescription

let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let allTargets: [Target] = [
    // System libraries (Debian: libudev-dev, libasound2-dev).
    .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
    .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),

    // Sans-IO protocol cores.
    .target(name: "ModemCore", dependencies: ["SMSCore"], swiftSettings: swift6),
    .target(name: "SIPCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: swift6),
    .target(name: "MediaCore", swiftSettings: swift6),
    .target(name: "RoutingCore", swiftSettings: swift6),
    .target(name: "SMSCore", swiftSettings: swift6),
    // The call's rules (failover, cap, inbound distribution, missed calls, recall, reports):
    // built on the data types only, so it needs neither NIO nor a database. ModemCore for
    // CallCause/CallEndCause (the cause → SIP status, Reason and failover table).
    .target(name: "CallCore", dependencies: ["ModemCore", "RoutingCore", "SimgateConfig", "ControlModel"], swiftSettings: swift6),

    // Data.
    .target(name: "SimgateConfig", swiftSettings: swift6),
    .target(name: "ControlModel", swiftSettings: swift6),
    .target(name: "Storage", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), "ControlModel"], swiftSettings: swift6),

    // The live system.
    .target(
        name: "Gateway",
        dependencies: [
            "ModemCore", "SIPCore", "MediaCore", "RoutingCore", "SMSCore", "CallCore", "SimgateConfig", "ControlModel", "Storage",
            "CUdev", "CALSA", logging,
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ] + nio,
        swiftSettings: swift6
    ),
    .target(name: "ModemSimulator", dependencies: ["SMSCore", logging] + nio, swiftSettings: swift6),
    .target(
        name: "SimgateCLI",
        dependencies: [
            "ControlModel", "ModemCore", "SimgateConfig", "RoutingCore", "SMSCore", argumentParser,
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ] + nio,
        swiftSettings: swift6
    ),

    // Programs.
    .executableTarget(name: "simgated", dependencies: ["Gateway", "SimgateConfig", argumentParser, logging], swiftSettings: swift6),
    .executableTarget(name: "simgate", dependencies: ["SimgateCLI"], swiftSettings: swift6),
    .executableTarget(name: "modemsim", dependencies: ["ModemSimulator", argumentParser, logging], swiftSettings: swift6),

    // Fuzzing harnesses (Fuzz/README.md): replay a corpus in plain builds, fuzz with -DFUZZING.
    .systemLibrary(name: "CFuzzerDriver"),
    .target(name: "FuzzDriver", dependencies: ["CFuzzerDriver"], path: "Fuzz/FuzzDriver", swiftSettings: swift6),
    .executableTarget(name: "FuzzAT", dependencies: ["ModemCore", "FuzzDriver"], path: "Fuzz/FuzzAT", swiftSettings: swift6),
    .executableTarget(name: "FuzzSIP", dependencies: ["SIPCore", "FuzzDriver"], path: "Fuzz/FuzzSIP", swiftSettings: swift6),
    .executableTarget(name: "FuzzSMS", dependencies: ["SMSCore", "FuzzDriver"], path: "Fuzz/FuzzSMS", swiftSettings: swift6),
    .executableTarget(name: "FuzzSDP", dependencies: ["SIPCore", "FuzzDriver"], path: "Fuzz/FuzzSDP", swiftSettings: swift6),
    .executableTarget(name: "FuzzConfig", dependencies: ["SimgateConfig", "FuzzDriver"], path: "Fuzz/FuzzConfig", swiftSettings: swift6),

    // Benchmarks: programs that measure, never tests (see Benchmarks/README.md).
    .executableTarget(name: "MediaBench", dependencies: ["MediaCore"], path: "Benchmarks/MediaBench", swiftSettings: swift6),
    .executableTarget(name: "SIPBench", dependencies: ["SIPCore"], path: "Benchmarks/SIPBench", swiftSettings: swift6),
    .executableTarget(name: "RoutingBench", dependencies: ["RoutingCore"], path: "Benchmarks/RoutingBench", swiftSettings: swift6),
    .executableTarget(name: "SMSBench", dependencies: ["SMSCore"], path: "Benchmarks/SMSBench", swiftSettings: swift6),

    // Tests (Swift Testing only: CI reads the last line of `swift test`). TestSupport holds
    // what every test target shares (the seeded generator, the virtual clock).
    .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swift6),
    .testTarget(name: "ModemCoreTests", dependencies: ["TestSupport", "ModemCore"], swiftSettings: swift6),
    .testTarget(name: "SIPCoreTests", dependencies: ["TestSupport", "SIPCore"], resources: [.copy("Vectors")], swiftSettings: swift6),
    .testTarget(name: "MediaCoreTests", dependencies: ["TestSupport", "MediaCore"], swiftSettings: swift6),
    .testTarget(name: "RoutingCoreTests", dependencies: ["TestSupport", "RoutingCore"], swiftSettings: swift6),
    .testTarget(name: "CallCoreTests", dependencies: ["TestSupport", "CallCore"], swiftSettings: swift6),
    .testTarget(name: "SMSCoreTests", dependencies: ["TestSupport", "SMSCore"], resources: [.copy("Vectors")], swiftSettings: swift6),
    .testTarget(name: "SimgateConfigTests", dependencies: ["TestSupport", "SimgateConfig"], swiftSettings: swift6),
    .testTarget(name: "StorageTests", dependencies: ["Storage"], swiftSettings: swift6),
    .testTarget(name: "ModemSimulatorTests", dependencies: ["ModemSimulator", "SMSCore"] + nio, swiftSettings: swift6),
    .testTarget(
        name: "GatewayTests",
        dependencies: ["TestSupport", "Gateway", "CallCore", "ModemSimulator", "SimgateCLI", "ModemCore", "SimgateConfig", "Storage", "ControlModel", "SMSCore"] + nio,
        swiftSettings: swift6
    ),
]

let allProducts: [Product] = [
    .executable(name: "simgated", targets: ["simgated"]),
    .executable(name: "simgate", targets: ["simgate"]),
    .executable(name: "modemsim", targets: ["modemsim"]),
]

// SIMGATE_ONLY: keep the named targets, the package targets they depend on, their test
// targets, and nothing else.
@MainActor func localDependencies(_ names: Set<String>) -> Set<String> {
    var kept = names
    var work = Array(names)
    while let name = work.popLast() {
        guard let target = allTargets.first(where: { $0.name == name }) else { continue }
        for dependency in target.dependencies {
            var depName: String?
            switch dependency {
            case .targetItem(let n, _), .byNameItem(let n, _): depName = n
            default: depName = nil
            }
            if let n = depName, allTargets.contains(where: { $0.name == n }), kept.insert(n).inserted { work.append(n) }
        }
    }
    return kept
}
let only: Set<String>? = Context.environment["SIMGATE_ONLY"].map {
    localDependencies(Set($0.split(separator: ",").map { String($0) }))
}
let targets = only.map { keep in
    allTargets.filter {
        keep.contains($0.name) || $0.name == "TestSupport" || ($0.isTest && keep.contains(String($0.name.dropLast("Tests".count))))
    }
} ?? allTargets
let products = only == nil ? allProducts : []

let package = Package(
    name: "simgate",
    platforms: [.macOS(.v14)],
    products: products,
    dependencies: dependencies,
    targets: targets
)
