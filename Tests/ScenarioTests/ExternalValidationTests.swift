import Foundation
import ISO8583
import PaymentNetwork
import PaymentSecurity
import Testing
@testable import Scenario

/// `external:` and `listen:`: what a provider writes to put its own system in a node's place.
@Suite("External systems in the scenario language")
struct ExternalValidationTests {
    static let base = "name: X\nstart: 2026-03-16 10:00\n"
    static let banks = "network:\n  banks:\n    - name: Issuer\n      bins: [\"622202\"]\n"
    static let merchantBank = "    - { name: MerchantBank }\n"

    func errors(_ body: String) -> [String] {
        do {
            _ = try ScenarioLoader.parse(Self.base + body, file: "x.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("a full external issuer is read with every key")
    func full() throws {
        let yaml = Self.base + Self.banks + """
                  external:
                    address: "127.0.0.1:9101"
                    tls: none
                    dialect: cup
                    framing: { length: bcd2, includes_length: true, tpdu: "6000010000", header: "603100" }
                    timeout: 2s
                    echo: 0
                    match: [11, 41]
                    mac: x9.9
                    zak: "00112233445566778899AABBCCDDEEFF"
                    zpk: "0123456789ABCDEF"
            """ + "\n" + Self.merchantBank + "  scheme: { listen: \"127.0.0.1:0\" }\n"
        let scenario = try ScenarioLoader.parse(yaml, file: "x.yaml")
        let system = try #require(scenario.network.external["Issuer"])
        #expect(system.address == Endpoint(host: "127.0.0.1", port: 9101))
        #expect(system.tls == .none)
        #expect(system.dialect.name == "cup")
        #expect(system.framing == Framing(length: .bcd2, includesLength: true, tpdu: [0x60, 0, 1, 0, 0], header: [0x60, 0x31, 0x00]))
        #expect(system.timeout == .seconds(2))
        #expect(system.echo == .zero)
        #expect(system.match == [11, 41])
        #expect(system.mac == .x9_9 && system.zak?.hex == "00112233445566778899AABBCCDDEEFF" && system.zpk?.length == .single)
        #expect(scenario.network.listen["Scheme"] == Endpoint(host: "127.0.0.1", port: 0))
        #expect(scenario.network.externalLinks.map { "\($0.client) -> \($0.server)" } == ["Scheme -> Issuer"])
    }

    @Test("an external terminal is { id, external } in its merchant's list; it is never a server")
    func terminal() throws {
        let yaml = Self.base + """
            network:
              merchants:
                - id: "898440354110001"
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: ["T0000001", { id: T0000002, external: { tls: server } }]
            """
        let scenario = try ScenarioLoader.parse(yaml, file: "x.yaml")
        #expect(scenario.network.merchants[0].terminals == ["T0000001", "T0000002"])
        #expect(scenario.network.external["T0000002"]?.tls == .server)
        #expect(errors("""
            network:
              merchants:
                - id: "898440354110001"
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: [{ id: T0000002, external: { address: "127.0.0.1:1" } }]
            """) == ["x.yaml:7:56: error: terminal T0000002 under test dials the acquirer, so it has no 'address' (give the acquirer a 'listen' address for it to dial)"])
    }

    @Test("each mistake is reported where it is", arguments: [
        // An external server with no address.
        (banks + "      external: { tls: none }\n" + merchantBank,
         "x.yaml:7:17: error: external Issuer needs an 'address': it is the server that Scheme dials"),
        // Bad values.
        (banks + "      external: { address: \"127.0.0.1:9101\", tls: tls13 }\n" + merchantBank,
         "x.yaml:7:51: error: tls 'tls13' is not one of mutual, server, none"),
        (banks + "      external: { address: \"127.0.0.1:9101\", framing: { length: bcd4 } }\n" + merchantBank,
         "x.yaml:7:65: error: length 'bcd4' is not one of binary2, bcd2, ascii4, none"),
        (banks + "      external: { address: \"localhost\" }\n" + merchantBank,
         "x.yaml:7:28: error: address 'localhost' is not HOST:PORT (\"127.0.0.1:9101\") with a port from 1 to 65535"),
        (banks + "      external: { address: \"127.0.0.1:9101\", ca: missing.pem }\n" + merchantBank,
         "x.yaml:7:50: error: the CA file 'missing.pem' cannot be read (looked for missing.pem)"),
        (banks + "      external: { address: \"127.0.0.1:9101\", dialect: klingon }\n" + merchantBank,
         "x.yaml:7:55: error: unknown dialect 'klingon': not one of cup, default, hex-bitmap nor a readable file"),
        (banks + "      external: { address: \"127.0.0.1:9101\", timeout: 1ms }\n" + merchantBank,
         "x.yaml:7:55: error: timeout '1ms' is not a duration from 100ms to 1h (10s, 500ms)"),
        // Two external nodes side by side.
        (banks + "      external: { address: \"127.0.0.1:9101\" }\n" + merchantBank + "  scheme: { external: { address: \"127.0.0.1:9200\" } }\n",
         "x.yaml:9:23: error: Scheme and Issuer are both external: the link between them is not PayLab's to run"),
        // PayLab does not listen in an external node's place.
        (banks + "      listen: \"127.0.0.1:0\"\n      external: { address: \"127.0.0.1:9101\" }\n" + merchantBank,
         "x.yaml:8:17: error: Issuer is external: PayLab does not listen in its place; drop its 'listen'"),
    ])
    func mistakes(body: String, expected: String) {
        #expect(errors(body) == [expected])
    }

    @Test("what PayLab cannot see or change inside a SUT is an error with its line")
    func insideTheSUT() {
        let external = Self.banks + "      external: { address: \"127.0.0.1:9101\" }\n" + Self.merchantBank
            + "  cards:\n    - { pan: \"6222020000000001\", bank: Issuer, balance: 100.00 }\n"
        #expect(errors(external + "expect:\n  - { account: \"6222020000000001\", balance: 0.00 }\n")
            == ["x.yaml:12:16: error: account '622202******0001' is held by Issuer, a system under test: PayLab cannot see its balance (expect what PayLab's nodes saw: the transactions)"])
        #expect(errors(external + "faults:\n  - { maintenance: Issuer, from: 2026-03-16 10:00, to: 2026-03-16 11:00 }\n")
            == ["x.yaml:12:20: error: Issuer is a system under test: PayLab cannot put a maintenance inside it (network faults on its links work)"])
        #expect(errors(external + "faults:\n  - { network: Scheme -> Issuer, drop: response, from: 2026-03-16 10:00 }\n") == [])
    }

    @Test("an external terminal's swipes come from the SUT, not from steps")
    func noStepsOnExternalTerminal() {
        let yaml = """
            network:
              merchants:
                - id: "898440354110001"
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: ["T0000001", { id: T0000002, external: {} }]
            steps:
              - { swipe: { id: a, terminal: T0000002, amount: 1.00 } }
            """
        #expect(errors(yaml) == ["x.yaml:9:33: error: terminal T0000002 is external: its swipes come from the system under test, not from steps"])
    }
}
