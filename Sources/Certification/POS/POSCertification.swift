import Foundation
public import ISO8583
import PaymentNetwork
public import PaymentSecurity
public import RunCore
public import Scenario
public import SettlementCalendar

/// `paylab certify pos`: the suite's cards in PayLab's issuer, the POS under test as an external
/// terminal of PayLab's acquirer (listening at the address given), the network served in real
/// time, and a ``POSDirector`` playing each case.
public struct POSCertification: Sendable {
    public var suite: POSSuite
    /// Where PayLab's acquirer listens for the POS.
    public var listen: Endpoint
    /// How the POS talks: TLS, dialect, framing, its master key.
    public var pos = ExternalSystem()
    public var only: Set<String>?
    /// How long a case waits for the POS's messages (the first case: for the POS to connect too).
    public var caseTimeout: Duration = .seconds(60)
    public var firstWait: Duration = .seconds(120)
    /// The TPDU and message header every message of the POS must start with (`--tpdu`, `--header`
    /// with the `cup` dialect), when they are to be checked.
    public var expectedHeader: [UInt8]?

    public init(suite: POSSuite, listen: Endpoint) {
        self.suite = Self.withTracks(suite)
        self.listen = listen
    }

    /// The seed of the centre's network: its keys (the issuer's CVK among them) come from it.
    static let seed: UInt64 = 1

    /// The suite with each card's track 2, its CVN under the centre's issuer's card verification key.
    public static func withTracks(_ suite: POSSuite) -> POSSuite {
        var suite = suite
        let cvk = SecuritySpec().cardVerificationKey("Issuer", seed: seed)
        for index in suite.cards.indices {
            let card = suite.cards[index]
            suite.cards[index].track2 = Track2(pan: card.pan, expiry: card.expiry, chip: card.chip != nil, cvk: cvk)?.text
        }
        return suite
    }

    /// The network the POS meets: PayLab's acquirer, scheme and banks, the suite's cards at the issuer.
    public func scenario(start: Instant) -> Scenario {
        var scenario = Scenario.served(start: start)
        scenario.name = "certify pos"
        scenario.seed = Self.seed
        var network = scenario.network
        network.merchants[0].id = suite.merchant
        network.merchants[0].terminals = [suite.terminal]
        var system = pos
        system.timeout = max(system.timeout, .seconds(10))
        network.external[suite.terminal] = system
        network.listen[network.acquirer.name] = listen
        network.cards = suite.cards.map { card in
            var spec = NetworkSpec.Card(pan: card.pan, bank: "Issuer", balance: Money(minorUnits: 500_000), expiry: card.expiry)
            spec.pin = card.pin
            spec.chip = card.chip.flatMap { chip in DESKey(hex: chip.imk).map { NetworkSpec.Card.Chip(imk: $0, psn: chip.psn, atc: chip.atc) } }
            return spec
        }
        scenario.network = network
        return scenario
    }

    /// Serves the network until every case has run, and returns the report (with what PayLab's
    /// own books say of the money, as problems when they disagree).
    public func run(runner: ScenarioRunner, announce: @escaping @Sendable (POSSuite.Case) -> Void,
                    listening: @escaping @Sendable (ScenarioRunner.Addresses) -> Void) async -> CertificationRun.Report {
        let started = Date()
        let scenario = scenario(start: Instant(milliseconds: Int64(started.timeIntervalSince1970 * 1000)))
        let director = POSDirector(suite: suite, only: only, issuer: "Issuer", caseTimeout: caseTimeout, firstWait: firstWait,
                                   expectedHeader: expectedHeader, announce: announce)
        var serving = ScenarioRunner.Serving(duration: nil, stop: { false }, announce: listening)
        serving.director = director
        let result = await runner.serve(scenario, serving: serving)
        var problems = result.problems
        problems += result.failures.map { "the centre's books: \($0)" }
        let suiteRecord = CertificationSuite(name: "pos", version: "1", role: "pos", cards: [], answerRules: [:], approvalRules: [:], cases: [])
        return CertificationRun.Report(suite: suiteRecord, target: "\(listen)", started: started, outcomes: director.outcomes, problems: problems)
    }
}
