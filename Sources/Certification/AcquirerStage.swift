import Foundation
import ISO8583
import NIOCore
import PaymentNetwork
import PaymentSecurity
import RunCore
import Scenario
import SettlementCalendar
import Synchronization
import Wire

/// The network around an acquirer under test (`certify acquirer`): PayLab's own scheme, the
/// suite's cards at PayLab's own issuer, and PayLab's own merchant's bank, served in real time
/// (their virtual clock follows the wall clock), listening where the acquirer dials them. It
/// watches what the acquirer sends them, and makes the scheme's answer what a case needs: a
/// decline or silence in place of the issuer's approval.
final class AcquirerStage: ServeDirector {
    /// What the acquirer under test sent PayLab's scheme or merchant's bank.
    struct Seen: Sendable {
        var link: String
        var at: Date
        var bytes: [UInt8]
        var message: ISOMessage
    }

    struct State {
        var seen: [Seen] = []
        var schemeAnswer: CertificationSuite.SchemeAnswer = .approve
        var stop = false
        var addresses: ScenarioRunner.Addresses?
        /// The served network ended (it could not start, or it was stopped).
        var ended = false
    }

    static let scheme = "Scheme", issuer = "Issuer", bank = "MerchantBank", acquirer = "Acquirer"
    private let state = Mutex(State())

    /// How PayLab's scheme answers what the acquirer forwards from now on.
    var schemeAnswer: CertificationSuite.SchemeAnswer {
        get { state.withLock { $0.schemeAnswer } }
        set { state.withLock { $0.schemeAnswer = newValue } }
    }

    /// What the acquirer has sent PayLab's scheme and bank so far.
    var seen: [Seen] { state.withLock { $0.seen } }

    /// The network: the acquirer under test dials the scheme and the merchant's bank where the
    /// target says; the suite's cards are at the issuer (its BINs theirs), the test merchant's
    /// account at the merchant's bank.
    static func scenario(suite: CertificationSuite, target: CertificationRun.Target, keys: CertificationRun.Keys, start: Instant) -> Scenario {
        var scenario = Scenario.served(start: start)
        scenario.name = "certify acquirer"
        scenario.zone = target.zone
        var network = scenario.network
        network.scheme.name = scheme
        network.acquirer.name = acquirer
        let bins = Set(suite.cards.map { String($0.pan.prefix(6)) }).sorted()
        network.banks = [NetworkSpec.Bank(name: issuer, bins: bins), NetworkSpec.Bank(name: bank, bins: [])]
        // The test merchant, its account where the acquirer pays it; its terminal is PayLab's link, not a node here.
        network.merchants[0].terminals = []
        network.merchants[0].accountBank = bank
        network.cards = suite.cards.map { card in
            var spec = NetworkSpec.Card(pan: card.pan, bank: issuer, balance: Money(decimal: card.balance, exponent: 2) ?? Money(minorUnits: 100_000),
                                        expiry: card.expiry, status: .active, dailyLimit: nil)
            spec.pin = card.pin
            spec.pinTries = card.pinTries
            return spec
        }
        var system = ExternalSystem()
        system.tls = target.link.security == .none ? .none : target.link.security == .server ? .server : .mutual
        system.dialect = target.dialect
        system.dialectReference = target.dialect.name
        system.framing = target.link.framing
        system.timeout = .seconds(Int64(max(target.link.timeout.nanoseconds / 1_000_000_000, 5)))
        system.mac = keys.zak == nil ? nil : keys.mac
        system.zak = keys.zak
        system.zpk = keys.zpk
        network.external[acquirer] = system
        if let listen = target.schemeListen { network.listen[scheme] = listen }
        if let listen = target.bankListen { network.listen[bank] = listen }
        scenario.network = network
        return scenario
    }

    /// Serves the network in the background until ``stop()``; returns once it listens (or with why not).
    func start(_ scenario: Scenario, runner: ScenarioRunner) async -> (Task<ScenarioResult, Never>, String?) {
        var serving = ScenarioRunner.Serving(duration: nil, stop: { [self] in state.withLock { $0.stop } },
                                             announce: { [self] addresses in state.withLock { $0.addresses = addresses } })
        serving.director = self
        serving.alteration = PayoutLinkWithoutMAC()
        let task = Task { [self] in
            let result = await runner.serve(scenario, serving: serving)
            state.withLock { $0.ended = true }
            return result
        }
        // Starting takes a second or two; a loaded machine (a CI run starting every suite at
        // once on two cores) once took more than 30 s. What cannot start ends its task, and
        // says why at once.
        let deadline = ContinuousClock.now.advanced(by: .seconds(90))
        while ContinuousClock.now < deadline {
            let (listening, ended) = state.withLock { ($0.addresses != nil, $0.ended) }
            if listening { return (task, nil) }
            if ended {
                let result = await task.value
                let why = (result.problems + result.failures.map(\.description)).prefix(3).joined(separator: "; ")
                return (task, "PayLab's scheme and merchant's bank could not start: \(why.isEmpty ? "the served network ended" : why)")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (task, "PayLab's scheme and merchant's bank did not start listening within 90 s")
    }

    func stop() { state.withLock { $0.stop = true } }

    /// The acquirer's zone keys secure its link to the scheme; its payout credits to the
    /// merchant's bank travel on a link of their own, without a MAC.
    struct PayoutLinkWithoutMAC: NetworkAlteration {
        func alter(_ configurations: inout NodeConfigurations) {
            for index in configurations.banks.indices where configurations.banks[index].name == AcquirerStage.bank {
                configurations.banks[index].security.zones[AcquirerStage.acquirer] = nil
            }
        }
    }

    // MARK: - ServeDirector

    func received(_ message: ISOMessage, bytes: [UInt8], from peer: String, at node: String) {
        guard node == Self.scheme || node == Self.bank else { return }
        state.withLock { $0.seen.append(Seen(link: node == Self.scheme ? "scheme" : "bank", at: Date(), bytes: bytes, message: message)) }
    }

    /// The scheme's answer to a purchase or pre-authorization goes as the case says: the issuer's,
    /// a decline in its place (no DE38), or none.
    func outgoing(_ message: ISOMessage, to peer: String, from node: String) -> OutgoingFate {
        guard node == Self.scheme, message.isResponse, message.mti.messageClass == .financial || message.mti.messageClass == .authorization else { return .send }
        switch schemeAnswer {
        case .approve: return .send
        case .silent: return .drop
        case .decline(let code):
            var declined = message
            declined.responseCode = ResponseCode(code)
            declined[DE.authorizationCode] = nil
            return .replace(declined)
        }
    }

    func wrote(_ bytes: [UInt8], of message: ISOMessage, to peer: String) {}

    func orders() -> DirectorOrders { DirectorOrders(stop: state.withLock { $0.stop }) }
}
