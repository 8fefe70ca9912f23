// swift-tools-version:6.1
import PackageDescription

// Each target declares exactly the modules it imports; these two features make the
// compiler hold the manifest to that (an import needs its dependency, a public API needs
// a public import).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let nioConcurrencyHelpers = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")

let package = Package(
    name: "PayLab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "paylab", targets: ["paylab"]),
        .library(name: "Harness", targets: ["Harness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Load mode's latency histograms: HdrHistogram, whose histograms merge exactly.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .target(name: "ISO8583", swiftSettings: strict),
        .target(name: "SettlementCalendar", swiftSettings: strict),
        .target(name: "PaymentNetwork", dependencies: ["ISO8583", "SettlementCalendar"], swiftSettings: strict),
        .target(
            name: "Wire",
            dependencies: [
                "ISO8583", "PaymentNetwork", "SettlementCalendar", nioCore, nioPosix, nioSSL,
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .target(name: "Capture", dependencies: ["CPcap", nioCore, nioConcurrencyHelpers, nioSSL], swiftSettings: strict),
        // The scenario language: no NIO, so checking a file never needs the TLS stack.
        .target(
            name: "Scenario",
            dependencies: ["ISO8583", "SettlementCalendar", "PaymentNetwork", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "Harness",
            dependencies: [
                "ISO8583", "SettlementCalendar", "PaymentNetwork", "Scenario", "Wire", "Capture", nioCore, nioPosix,
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"), nioSSL,
            ],
            swiftSettings: strict
        ),
        // The codec's speed, measured by `paylab bench`; kept out of the Harness library.
        .target(name: "CodecBenchmark", dependencies: ["ISO8583"], path: "Benchmarks/CodecBenchmark", swiftSettings: strict),
        .executableTarget(
            name: "paylab",
            dependencies: [
                "Harness", "CodecBenchmark", "ISO8583", "PaymentNetwork", "Scenario", "SettlementCalendar", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(name: "TestSupport", dependencies: ["ISO8583"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ISO8583Tests", dependencies: ["ISO8583", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SettlementCalendarTests", dependencies: ["SettlementCalendar"], swiftSettings: strict),
        .testTarget(name: "PaymentNetworkTests", dependencies: ["PaymentNetwork", "ISO8583", "SettlementCalendar"], swiftSettings: strict),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire", "ISO8583", "SettlementCalendar", nioCore, nioPosix, nioSSL, nioConcurrencyHelpers,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "ISO8583", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario", "PaymentNetwork", "SettlementCalendar"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HarnessTests",
            dependencies: [
                "Harness", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "Wire", "Capture",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
    ]
)
