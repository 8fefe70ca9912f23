import Foundation
import Histogram
import ISO8583
import NIOSSL
import NIOCore
import PaymentNetwork
public import Scenario
import SettlementCalendar
import Synchronization
public import Wire

/// `paylab load`: PayLab's network (or a scenario's, with a system under test in it) served
/// in real time, purchases driven at its acquirer by generated terminals, then the clock run
/// forward past the payouts and every cent reconciled.
public enum LoadRun {
    public struct Options: Sendable {
        public var pace: LoadPlan.Pace
        public var duration: Duration
        public var warmup: Duration
        public var terminals: Int
        public var cards: Int
        public var threads: Int
        public var connections: Int
        /// This generator's slice: part `index` (1-based) of `count`.
        public var part: (index: Int, count: Int)
        /// How long a terminal waits before it reverses.
        public var timeout: Duration
        /// Faults for the test of reconciliation itself (a dropped payout, say), in the
        /// scenario language's `faults:` syntax.
        public var extraFaultsYAML: String?

        public init(pace: LoadPlan.Pace, duration: Duration, warmup: Duration = .zero, terminals: Int = 100, cards: Int = 1000, threads: Int = 2,
                    connections: Int = 8, part: (index: Int, count: Int) = (1, 1), timeout: Duration = .seconds(10), extraFaultsYAML: String? = nil) {
            self.pace = pace
            self.duration = duration
            self.warmup = warmup
            self.terminals = terminals
            self.cards = cards
            self.threads = threads
            self.connections = connections
            self.part = part
            self.timeout = timeout
            self.extraFaultsYAML = extraFaultsYAML
        }
    }

    /// The terminals of part `index` of `count`: every count-th of the global numbering, so
    /// parts never share a terminal (nor, since each terminal counts its own, a STAN).
    public static func terminals(total: Int, part: (index: Int, count: Int)) -> [(id: String, merchant: String)] {
        stride(from: part.index - 1, to: total, by: max(part.count, 1)).map { global in
            (String(format: "L%07d", global + 1), String(format: "898440354%06d", global / 10 + 1))
        }
    }

    /// The default network, scaled: a merchant for every ten terminals (T+1, 0.6%), the cards
    /// at the issuer with room for any run, every terminal a system under test at the acquirer.
    public static func defaultScenarioYAML(options: Options) -> String {
        let terminals = terminals(total: options.terminals, part: options.part)
        var merchants: [(id: String, terminals: [String])] = []
        for terminal in terminals {
            if merchants.last?.id == terminal.merchant { merchants[merchants.count - 1].terminals.append(terminal.id) } else { merchants.append((terminal.merchant, [terminal.id])) }
        }
        let timeout = "\(max(1, Int(options.timeout.components.seconds)))s"
        var yaml = """
            name: load
            description: the default network, scaled for a load run
            start: "2026-05-11 10:00"
            horizon: 3d
            network:
              acquirer: { listen: "127.0.0.1:0", timeout: 45s }
              merchants:

            """
        for (index, merchant) in merchants.enumerated() {
            yaml += "    - { id: \"\(merchant.id)\", fee: 0.6%, settlement: T+1, account: { bank: MerchantBank, number: \"\(String(format: "6214830%09d", index + 1))\" }, "
            yaml += "terminals: [\(merchant.terminals.map { "{ id: \($0), external: { timeout: \(timeout) } }" }.joined(separator: ", "))] }\n"
        }
        yaml += "  cards:\n"
        for card in cards(options.cards) {
            yaml += "    - { pan: \"\(card.pan)\", bank: Issuer, balance: 100000000.00, expiry: \"\(card.expiry)\" }\n"
        }
        if let faults = options.extraFaultsYAML { yaml += "faults:\n" + faults + "\n" }
        return yaml
    }

    static func cards(_ count: Int) -> [(pan: String, expiry: String)] {
        (1...max(count, 1)).map { (String(format: "622202%010d", $0), "2812") }
    }

    /// The outcome: what the generator saw, the reconciliation, and how the run was set up.
    public struct Outcome: Sendable {
        public var seen: LoadObservation
        public var reconciliation: Reconciliation
        public var wallTime: Duration
        public var description: String
    }

    /// Serves `scenario` (its merchants' terminals must be systems under test at its acquirer),
    /// drives it, stops, settles and reconciles.
    /// `authority` issues the nodes' and the generator's certificates (a `paylab pki init` CA,
    /// for a system under test that trusts it); nil: a fresh one.
    public static func run(_ scenario: Scenario, options: Options, authority given: CertificateAuthority? = nil, stop: @escaping @Sendable () -> Bool = { false },
                           progress: @escaping @Sendable (LoadObservation, Duration) -> Void = { _, _ in }) async throws -> Outcome {
        let started = ContinuousClock.now
        let authority = try given ?? CertificateAuthority(commonName: "PayLab load CA")
        let runner = ScenarioRunner(quietTimeout: .seconds(60), authority: authority)
        let (stream, continuation) = AsyncStream<ScenarioRunner.Addresses>.makeStream()
        let stopBox = StopFlag()
        let serving = ScenarioRunner.Serving(
            duration: nil, stop: { stopBox.isSet }, announce: { continuation.yield($0); continuation.finish() },
            settleFor: scenario.horizon, light: true)
        let served = Task { await runner.serve(scenario, serving: serving) }
        var iterator = stream.makeAsyncIterator()
        // The terminals dial the acquirer: PayLab's (its listener for SUTs), or the one that is a system under test.
        let acquirerSUT = scenario.network.external[scenario.network.acquirer.name]
        guard let addresses = await iterator.next(),
              let endpoint = acquirerSUT?.address ?? addresses.forSUTs[scenario.network.acquirer.name].flatMap(Endpoint.init) else {
            stopBox.set()
            let result = await served.value
            try? await runner.shutdown()
            throw WireError(message: "the network did not start: \(result.failures.prefix(3).joined(separator: "; "))")
        }
        let wallStart = ContinuousClock.now
        let start = scenario.start
        let terminals = scenario.network.merchants.flatMap { merchant in merchant.terminals.map { ($0, merchant.id) } }
            .filter { acquirerSUT != nil || scenario.network.external[$0.0] != nil }
        let cards = scenario.network.cards.map { ($0.pan, $0.expiry) }
        let plan = LoadPlan(pace: options.pace, duration: options.duration, warmup: options.warmup, terminals: terminals.map { (id: $0.0, merchant: $0.1) },
                            cards: cards.map { (pan: $0.0, expiry: $0.1) }, connections: options.connections, threads: options.threads, timeout: options.timeout)
        let seen: LoadObservation
        do {
            let identity = try authority.issue(for: "load generator", hostname: "load-generator", names: CertificateAuthority.loopbackNames, days: 2)
            var tls = TLSConfiguration.makeClientConfiguration()
            if acquirerSUT?.tls != .server {
                tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(try identity.certificatePEM().utf8), format: .pem))]
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
            }
            // An acquirer under test is checked against its `ca` (else the run's CA), as PayLab's nodes check it.
            let roots = try acquirerSUT?.ca.map { try NIOSSLCertificate.fromPEMFile($0) } ?? [NIOSSLCertificate(bytes: Array(try authority.certificatePEM().utf8), format: .pem)]
            tls.trustRoots = .certificates(roots)
            tls.certificateVerification = .noHostnameVerification
            tls.minimumTLSVersion = acquirerSUT == nil ? .tlsv13 : .tlsv12
            let context = acquirerSUT?.tls == ExternalSystem.TLSMode.none ? nil : try NIOSSLContext(configuration: tls)
            let generator = LoadGenerator(plan: plan, target: LoadTarget(host: endpoint.host, port: endpoint.port, tls: context),
                                          clock: { start.advanced(by: ContinuousClock.now - wallStart) })
            seen = try await generator.run(stop: stop, progress: progress)
        } catch {
            stopBox.set()
            _ = await served.value
            try? await runner.shutdown()
            throw error
        }
        stopBox.set()
        let result = await served.value
        try await runner.shutdown()
        let reconciliation = Reconciliation.check(result, seen: seen)
        let pace: String
        switch options.pace {
        case .rate(let rate): pace = "open loop at \(rate)/s"
        case .concurrency(let count): pace = "closed loop, \(count) outstanding"
        }
        let description = "\(pace) for \(options.duration.components.seconds) s (warmup \(options.warmup.components.seconds) s), \(terminals.count) terminals, \(cards.count) cards, \(plan.connections) connections, \(plan.threads) threads, part \(options.part.index)/\(options.part.count), \(acquirerSUT.map { "the acquirer under test at \($0.address.map(\.description) ?? "-") (TLS \($0.tls.rawValue)), then" } ?? "mutual TLS through \(scenario.network.acquirer.name),") \(scenario.network.scheme.name) and the issuer"
        return Outcome(seen: seen, reconciliation: reconciliation, wallTime: ContinuousClock.now - started, description: description)
    }
}

final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
