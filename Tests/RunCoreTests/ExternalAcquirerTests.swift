import Foundation
import PaymentNetwork
import RunCore
import Scenario
import ServedSupport
import Testing
import TestSupport

/// PayLab's terminal dialling an acquirer host under test with its security on: it signs on,
/// takes the working keys the host sends under its TMK, MACs with them and sends its PIN under
/// the PIK. The host here is PayLab's own acquirer, served: a system PayLab did not write would
/// sit at the same address.
@Suite("PayLab's terminal and an acquirer host under test", .serialized)
struct ExternalAcquirerTests {
    static let tmk = "70F2A84CCBC2AE8625CBB0F2C22AB923"

    @Test("the terminal takes its keys from the host's 0810, MACs its purchase and sends its PIN: the host approves the right PIN and declines a wrong one")
    func keysFromTheHost() async throws {
        let pki = try Served.pki()
        let host = try await Served("""
            name: the acquirer host
            start: "2026-05-11 10:00"
            network:
              acquirer: { listen: "127.0.0.1:0" }
              merchants:
                - id: "898440354110001"
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: [{ id: T0000002, external: { tls: mutual, timeout: 5s, tmk: "\(Self.tmk)" } }]
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 1000.00, pin: "2468" }
            """, pki: pki)
        let port = try host.port("Acquirer")
        let scenario = try ScenarioLoader.parse("""
            name: PayLab's terminal at the host
            start: 2026-05-11 10:00
            network:
              scheme: { listen: "127.0.0.1:0" }
              acquirer: { external: { address: "127.0.0.1:\(port)", tls: mutual, timeout: 5s, echo: 0, tmk: "\(Self.tmk)" } }
              banks:
                - { name: Issuer, bins: ["622202"] }
                - { name: MerchantBank, listen: "127.0.0.1:0" }
              merchants:
                - { id: "898440354110001", terminals: [T0000002], account: { bank: MerchantBank, number: "6214830000000001" } }
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 1000.00 }
            steps:
              - at: 2026-05-11 10:01
                swipe: { id: right, terminal: T0000002, amount: 10.00, pin: "2468" }
              - at: 2026-05-11 10:02
                swipe: { id: wrong, terminal: T0000002, amount: 10.00, pin: "2486" }
            horizon: 1m
            """, file: "terminal.yaml")
        let runner = try ScenarioRunner(pki: pki)
        let result = await runner.run(scenario)
        try await runner.shutdown()
        let served = try await host.stop()
        #expect(result.transactions.map(\.response) == ["00", "55"], "\(result.problems) \(result.externalLog)")
        #expect(result.timeline.contains { $0.kind == .keysIssued && $0.node == "T0000002" })
        #expect(result.linkSecurity.first { $0.link == "T0000002 -> Acquirer" }.map { "\($0.mac) \($0.pinBlocks)" } == "x9.19 true")
        // At the host: both requests' MACs checked, both PIN blocks translated, one approved.
        #expect(!served.timeline.contains { $0.kind == .macFailed }, "\(served.timeline.filter { $0.kind == .macFailed })")
        #expect(served.timeline.filter { $0.kind == .pinFailed }.count == 1)
    }
}
