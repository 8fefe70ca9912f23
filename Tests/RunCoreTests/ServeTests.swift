import Foundation
import RunCore
import PaymentNetwork
import Scenario
import Synchronization
import Testing
import TestSupport
import ServedSupport
import Wire

/// `serve`: a network in real time that systems under test dial, and what it does with a
/// system that sends what it should not.
@Suite("Serving a network to systems under test", .serialized)
struct ServeTests {
    static let posScenario = """
        name: a POS under test
        start: "2026-05-11 10:00"
        network:
          acquirer: { listen: "127.0.0.1:0" }
          merchants:
            - id: "898440354110001"
              account: { bank: MerchantBank, number: "6214830000000001" }
              fee: 0.6%
              terminals: ["T0000001", { id: T0000002, external: { tls: TLS, timeout: WAIT } }]
        """

    @Test("a POS application PayLab did not write (Python ssl + pyiso8583) dials the served acquirer and gets its 0210")
    func posClient() async throws {
        let pki = try Served.pki()
        let served = try await Served(Self.posScenario.replacingOccurrences(of: "TLS", with: "mutual").replacingOccurrences(of: "WAIT", with: "10s"), pki: pki)
        let output = try await ExternalTool.run([
            "python3", "Tests/Interop/pos_client.py", "--port", "\(try served.port("Acquirer"))",
            "--ca", pki + "/ca.pem", "--cert", pki + "/sut.pem", "--key", pki + "/sut-key.pem",
        ], hint: "needs python3 with pyiso8583")
        let result = try await served.stop()
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("\"t\": \"0810\"") == true && lines.first?.contains("\"39\": \"00\"") == true)
        #expect(lines.last?.contains("\"t\": \"0210\"") == true && lines.last?.contains("\"39\": \"00\"") == true, "\(output)")
        let purchase = try #require(result.transactions.first)
        #expect(purchase.id == "T0000002/000123")
        #expect(purchase.response == "00")
        #expect(purchase.events.contains { $0.kind == .scheduled && $0.node == "Acquirer" })
        #expect(result.externalLog.contains { $0.what == "T0000002 sent 0800 (DE70 001) to Acquirer" })
        #expect(result.passed, "\(result.failures)")
    }

    static let securedPOSScenario = """
        name: a UnionPay POS under test, secured
        start: "2026-05-11 10:00"
        network:
          acquirer: { listen: "127.0.0.1:0" }
          merchants:
            - id: "898440354110001"
              account: { bank: MerchantBank, number: "6214830000000001" }
              terminals: ["T0000001", { id: T0000002, external: { tls: mutual, timeout: 10s, dialect: cup, tmk: "70F2A84CCBC2AE8625CBB0F2C22AB923" } }]
          cards:
            - { pan: "6222020000000001", bank: Issuer, balance: 1000.00, pin: "123456" }
        """

    /// Serves the secured POS scenario and runs the Python POS against it with these arguments.
    func securedPOS(_ arguments: [String]) async throws -> (lines: [String], result: ScenarioResult) {
        let pki = try Served.pki()
        let served = try await Served(Self.securedPOSScenario, pki: pki)
        let output = try await ExternalTool.run([
            "python3", "Tests/Interop/pos_client.py", "--port", "\(try served.port("Acquirer"))",
            "--ca", pki + "/ca.pem", "--cert", pki + "/sut.pem", "--key", pki + "/sut-key.pem",
            "--dialect", "cup", "--tmk", "70F2A84CCBC2AE8625CBB0F2C22AB923",
        ] + arguments, hint: "needs python3 with pyiso8583 and psec")
        return (output.split(separator: "\n").map(String.init), try await served.stop())
    }

    @Test("a UnionPay POS (cup dialect, TPDU and header) signs on by DE60.3, takes its keys from DE62 under its TMK, MACs its purchase (cup-ecb) with a PIN block, and checks PayLab's MAC on the 0210")
    func securedCUPPOS() async throws {
        let (lines, result) = try await securedPOS(["--pin", "123456"])
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains("\"t\": \"0810\"") == true && lines.first?.contains("\"39\": \"00\"") == true && lines.first?.contains("\"kcv_ok\": true") == true, "\(lines)")
        #expect(lines.last?.contains("\"39\": \"00\"") == true && lines.last?.contains("\"mac_ok\": true") == true, "\(lines)")
        #expect(result.transactions.first?.response == "00")
        #expect(result.linkSecurity.first { $0.link == "T0000002 -> Acquirer" }.map { "\($0.mac) \($0.pinBlocks)" } == "cup-ecb true")
        #expect(result.passed, "\(result.failures) \(result.problems)")
    }

    @Test("the same POS with its MAK one bit off is answered A0 (no MAC on it), and a wrong PIN 55")
    func securedPOSRefusals() async throws {
        let (wrongMAK, refused) = try await securedPOS(["--pin", "123456", "--wrong-mak"])
        #expect(wrongMAK.last?.contains("\"39\": \"A0\"") == true && wrongMAK.last?.contains("\"mac_ok\": null") == true, "\(wrongMAK)")
        #expect(refused.timeline.contains { $0.kind == .macFailed && $0.node == "Acquirer" })
        let (wrongPIN, _) = try await securedPOS(["--pin", "654321"])
        #expect(wrongPIN.last?.contains("\"39\": \"55\"") == true && wrongPIN.last?.contains("\"mac_ok\": true") == true, "\(wrongPIN)")
    }

    @Test("a POS's day in both dialects: a pre-authorization completed online (0200, DE25 06, DE61) debits the card once, a void names its purchase by DE61, a balance inquiry shows DE54, the 0500's DE48 totals agree (code 1)", arguments: ["cup", "default"])
    func posLife(dialect: String) async throws {
        let pki = try Served.pki()
        let served = try await Served(Self.securedPOSScenario.replacingOccurrences(of: "dialect: cup", with: "dialect: \(dialect)"), pki: pki)
        let output = try await ExternalTool.run([
            "python3", "Tests/Interop/pos_client.py", "--port", "\(try served.port("Acquirer"))",
            "--ca", pki + "/ca.pem", "--cert", pki + "/sut.pem", "--key", pki + "/sut-key.pem",
            "--dialect", dialect, "--tmk", "70F2A84CCBC2AE8625CBB0F2C22AB923", "--pin", "123456", "--life",
        ], hint: "needs python3 with pyiso8583 and psec")
        let result = try await served.stop()
        let lines = output.split(separator: "\n").map(String.init)
        // 0810, the hold, its completion, the purchase, its void, the inquiry, the settlement.
        #expect(lines.count == 7, "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.contains("\"39\": \"00\"") && $0.contains("\"mac_ok\": true") }, "\(lines)")
        // The card holds 1000.00 less the completion's 760.00: the hold released, the purchase voided.
        #expect(lines.count == 7 && lines[5].contains("\"54\": \"1001156C000000024000") && lines[5].contains("1002156C000000024000"), "\(lines)")
        #expect(lines.count == 7 && lines[6].contains("\"48\": \"001000000076000000000000000000" + "1"), "\(lines)")
        #expect(result.accounts.first { $0.number == "6222020000000001" }?.balance == Money(minorUnits: 24_000), "\(result.accounts)")
        #expect(result.timeline.filter { $0.kind == .authorized && $0.node == "Issuer" && $0.facts.operation == .purchase }.count == 1, "one purchase, not two: the completion is no purchase")
        #expect(result.passed, "\(result.failures) \(result.problems)")
    }

    @Test("a client with no certificate, and one whose TLS handshake never starts, are refused and named")
    func tlsRefusals() async throws {
        let pki = try Served.pki()
        let served = try await Served(Self.posScenario.replacingOccurrences(of: "TLS", with: "mutual").replacingOccurrences(of: "WAIT", with: "500ms"), pki: pki)
        let port = try served.port("Acquirer")
        let noCertificate = try? await ExternalTool.run(["python3", "Tests/Interop/pos_client.py", "--port", "\(port)", "--ca", pki + "/ca.pem"])
        let silent = try await ExternalTool.run(["python3", "Tests/Interop/rogue_client.py", "--port", "\(port)", "--wait", "2", "silent"])
        let result = try await served.stop()
        #expect(noCertificate == nil)
        #expect(silent == "closed\n")
        #expect(result.problems.contains { $0.contains("did not finish the TLS handshake within 500 ms; closed") }, "\(result.problems)")
        #expect(result.problems.contains { $0.hasPrefix("Acquirer <- ") && $0.contains("TLS error") }, "\(result.problems)")
    }

    @Test("each kind of bad input gets its own error, the connection closes where it must, and the network goes on", arguments: [
        ("garbage", "closed", "half a frame held open"),
        ("half-frame", "closed", "half a frame held open: 12 bytes of a frame and nothing more for 500 ms"),
        ("big-length", "closed", "half a frame held open: 2 bytes of a frame and nothing more for 500 ms"),
        ("unmatched", "open", "Acquirer <- T0000002: unmatched answer 0210 STAN 999999 terminal T0000002 DE39 00"),
        ("nonsense", "answer 0210 30", "Acquirer <- T0000002: 0200 STAN 000777 terminal T0000002 lacks DE2, DE3, DE4, DE7, which a 0200 must carry: answered 30"),
        ("undecodable", "open", "Acquirer: malformed frame from T0000002 dropped"),
    ])
    func badInput(mode: String, seen: String, problem: String) async throws {
        let served = try await Served(Self.posScenario.replacingOccurrences(of: "TLS", with: "none").replacingOccurrences(of: "WAIT", with: "500ms"), pki: nil)
        let port = try served.port("Acquirer")
        let output = try await ExternalTool.run(["python3", "Tests/Interop/rogue_client.py", "--port", "\(port)", "--wait", "1.5", mode])
        // The network still serves a well-behaved POS afterwards.
        let good = try await ExternalTool.run(["python3", "Tests/Interop/pos_client.py", "--port", "\(port)"])
        let result = try await served.stop()
        #expect(output == seen + "\n")
        #expect(result.problems.contains { $0.contains(problem) }, "\(result.problems)")
        #expect(good.contains("\"39\": \"00\", \"4\""), "\(good)")
    }

    @Test("a flood of connections: past the limit each is closed at once, and the network goes on")
    func flood() async throws {
        let served = try await Served(Self.posScenario.replacingOccurrences(of: "TLS", with: "none").replacingOccurrences(of: "WAIT", with: "500ms"), pki: nil)
        let port = try served.port("Acquirer")
        let output = try await ExternalTool.run(["python3", "Tests/Interop/rogue_client.py", "--port", "\(port)", "--wait", "0.3", "flood:48"])
        let good = try await ExternalTool.run(["python3", "Tests/Interop/pos_client.py", "--port", "\(port)"])
        let result = try await served.stop()
        #expect(output == "closed 16 of 48\n")
        #expect(result.problems.filter { $0.contains("32 connections from systems under test are already open") }.count == 16)
        #expect(good.contains("\"t\": \"0210\""))
    }
}

extension ServeTests {
    @Test("two SUTs with different framing in one network: a POS over TLS with binary lengths, an issuer over plain TCP with ASCII lengths; PayLab echoes the idle issuer")
    func twoFramings() async throws {
        let pki = try Served.pki()
        let host = try IssuerHost(
            cardsJSON: #"[{"pan": "6222020000000001", "expiry": "2812", "balance": "1000.00", "status": "active", "daily_limit": null}]"#,
            arguments: ["--framing", "ascii4", "--year", "2026"])
        let hostPort = host.port
        let yaml = Self.posScenario.replacingOccurrences(of: "TLS", with: "mutual").replacingOccurrences(of: "WAIT", with: "3s") + """

              banks:
                - name: Issuer
                  bins: ["622202"]
                  external: { address: "127.0.0.1:\(hostPort)", tls: none, framing: { length: ascii4 }, timeout: 2s, echo: 300ms }
                - { name: MerchantBank }
            """
        let served = try await Served(yaml, pki: pki)
        try await Task.sleep(for: .milliseconds(700))
        let answers = try await ExternalTool.run([
            "python3", "Tests/Interop/pos_client.py", "--port", "\(try served.port("Acquirer"))",
            "--ca", pki + "/ca.pem", "--cert", pki + "/sut.pem", "--key", pki + "/sut-key.pem", "--amount", "1200.00",
        ])
        let result = try await served.stop()
        // The issuer host's own answer (51: the card holds 1000.00) came back through PayLab to the POS.
        #expect(answers.split(separator: "\n").last?.contains("\"39\": \"51\"") == true, "\(answers)")
        #expect(result.transactions.map(\.response) == ["51"])
        #expect(result.externalLog.contains { $0.what == "Issuer answered the echo test: 00" }, "\(result.externalLog)")
        #expect(result.externalLog.contains { $0.what == "Issuer answered the sign-off: 00" })
        withExtendedLifetime(host) {}
    }
}

extension ServeTests {
    @Test("an external scheme and an external acquirer: one PayLab network's acquirer is the SUT of another's scheme, and the money arrives")
    func paylabAgainstPaylab() async throws {
        let pki = try Served.pki()
        // B, served: PayLab's scheme and banks; the acquirer is a system under test that dials the scheme.
        let served = try await Served("""
            name: B
            start: "2026-05-11 10:00"
            network:
              scheme: { listen: "127.0.0.1:0" }
              acquirer: { external: { tls: mutual, timeout: 2s } }
              merchants:
                - id: "898440354110001"
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: []
            """, pki: pki)
        let schemeAddress = try #require(served.addresses.forSUTs["Scheme"])
        // A, run: PayLab's terminal, acquirer and merchant's bank; the scheme is B's, dialled as a SUT.
        let scenario = try ScenarioLoader.parse("""
            name: A
            start: "2026-05-11 10:00"
            network:
              scheme: { external: { address: "\(schemeAddress)", tls: mutual, timeout: 2s } }
            steps:
              - { at: "2026-05-11 10:00", swipe: { id: buy, amount: 100.00 } }
            expect:
              - { transaction: buy, response: "00", arrives: "2026-05-12 09:00", credited: 99.40 }
            """, file: "a.yaml")
        let runner = try ScenarioRunner(pki: pki)
        let a = await runner.run(scenario)
        try await runner.shutdown()
        let b = try await served.stop()
        #expect(a.passed, "\(a.failures) \(a.problems)")
        #expect(a.externalLog.first?.what == "Scheme answered the sign-on: 00")
        #expect(b.externalLog.contains { $0.what == "Acquirer sent 0800 (DE70 001); Scheme answered 0810 00" }, "\(b.externalLog)")
        #expect(b.timeline.contains { $0.node == "Issuer" && $0.kind == .authorized }, "\(b.timeline.map(\.detail))")
    }
}
