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
        .target(name: "PaymentNetwork", dependencies: ["ISO8583", "SettlementCalendar", "PaymentSecurity"], swiftSettings: strict),
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
        // The system OpenSSL's libcrypto: DES and 3DES for payment cryptography (libssl-dev).
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // Keys, check values, the MAC algorithms hosts use, PIN blocks, working keys under a TMK.
        .target(name: "PaymentSecurity", dependencies: ["CLibCrypto", "ISO8583"], swiftSettings: strict),
        .target(name: "Capture", dependencies: ["CPcap", nioCore, nioConcurrencyHelpers, nioSSL], swiftSettings: strict),
        // The scenario language: no NIO, so checking a file never needs the TLS stack.
        .target(
            name: "Scenario",
            dependencies: ["ISO8583", "SettlementCalendar", "PaymentNetwork", "PaymentSecurity", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The run core: the endpoints, the run loop, the virtual scheduler, the runner, the suite,
        // the verdict and the reports. Every feature below lands in it.
        .target(
            name: "RunCore",
            dependencies: ["ISO8583", "SettlementCalendar", "PaymentNetwork", "PaymentSecurity", "Scenario", "Wire", "Capture", nioCore, nioPosix],
            swiftSettings: strict
        ),
        .target(
            name: "Certification",
            dependencies: [
                "RunCore", "ISO8583", "SettlementCalendar", "PaymentNetwork", "PaymentSecurity", "Scenario", "Wire", "Capture", nioCore, nioPosix,
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Load",
            dependencies: [
                "RunCore", "ISO8583", "SettlementCalendar", "PaymentNetwork", "Scenario", "Wire", nioCore, nioPosix, nioSSL,
                nioConcurrencyHelpers, .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Exploration",
            dependencies: ["RunCore", "ISO8583", "SettlementCalendar", "PaymentNetwork", "Scenario"],
            swiftSettings: strict
        ),
        .target(
            name: "Incident",
            dependencies: [
                "RunCore", "ISO8583", "SettlementCalendar", "PaymentNetwork", "PaymentSecurity", "Scenario", "Capture",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // What `paylab bench` measures (the codec, a SUT, incident import, the relay floors):
        // in the command, exported by no library product.
        .target(
            name: "Benchmarks",
            dependencies: [
                "RunCore", "Load", "Incident", "ISO8583", "PaymentNetwork", "PaymentSecurity", "Scenario", "SettlementCalendar", "Wire", "Capture", nioCore, nioPosix, nioSSL,
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/Benchmarks",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "paylab",
            dependencies: [
                "RunCore", "Certification", "Load", "Exploration", "Incident", "Benchmarks",
                "ISO8583", "PaymentNetwork", "PaymentSecurity", "Scenario", "SettlementCalendar", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(name: "TestSupport", dependencies: ["ISO8583"], path: "Tests/TestSupport", swiftSettings: strict),
        // A network served in-process, for the tests of the features that face systems under test.
        .target(name: "ServedSupport", dependencies: ["RunCore", "Scenario", "Wire", "TestSupport"], path: "Tests/ServedSupport", swiftSettings: strict),
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
        .testTarget(name: "PaymentSecurityTests", dependencies: ["PaymentSecurity", "ISO8583", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "ISO8583", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario", "PaymentSecurity", "PaymentNetwork", "SettlementCalendar"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RunCoreTests",
            dependencies: ["RunCore", "PaymentSecurity", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "ServedSupport", "Wire", "Capture"],
            swiftSettings: strict
        ),
        .testTarget(name: "CertificationTests", dependencies: ["Certification", "PaymentSecurity", "RunCore", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "ServedSupport", "Wire"], swiftSettings: strict),
        .testTarget(
            name: "LoadTests",
            dependencies: ["Load", "RunCore", "Benchmarks", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "ServedSupport", "Wire", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict
        ),
        // The YAML blocks of README.md and docs/: each valid as what it is, whole scenarios run.
        .testTarget(
            name: "DocsTests",
            dependencies: ["RunCore", "Certification", "Scenario", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .testTarget(name: "ExplorationTests", dependencies: ["Exploration", "RunCore", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "Wire"], swiftSettings: strict),
        .testTarget(name: "IncidentTests", dependencies: ["Incident", "RunCore", "Scenario", "PaymentNetwork", "SettlementCalendar", "ISO8583", "TestSupport", "Wire", "Capture"], swiftSettings: strict),
    ]
)
