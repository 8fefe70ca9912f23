import Foundation
import RunCore
import ISO8583
import PaymentNetwork
import PaymentSecurity
import Scenario
import SettlementCalendar
import Testing
import TestSupport
import Wire

/// An issuer host PayLab did not write (Tests/Interop/issuer_host.py: pyiso8583 over Python's
/// `ssl`, with its own CA made by `openssl`, requiring PayLab's client certificate from a
/// `pki init` folder) takes the issuing bank's place in the library's scenarios.
@Suite("A real issuer host in the Issuer's place", .serialized)
struct ExternalIssuerTests {
    /// The folder with PayLab's PKI and the host's own CA and certificate, made once.
    static let folder: String? = try? makeFolder()

    static func makeFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "paylab-external-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        _ = try PKI(directory: folder + "/pki").initialize()
        _ = try ExternalTool.runBlocking(["bash", "-c", """
            cd \(folder) && \
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout host-ca-key.pem -out host-ca.pem -days 2 -subj "/CN=Host CA" && \
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout host-key.pem -out host.csr -subj "/CN=issuer host" && \
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf && \
            openssl x509 -req -in host.csr -CA host-ca.pem -CAkey host-ca-key.pem -CAcreateserial -out host.pem -days 2 -extfile ext.cnf && \
            printf 'subjectAltName=DNS:issuer.example\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > wrong.cnf && \
            openssl x509 -req -in host.csr -CA host-ca.pem -CAkey host-ca-key.pem -CAcreateserial -out wrong-name.pem -days 2 -extfile wrong.cnf
            """], hint: "openssl is needed")
        return folder
    }

    /// The cards of a scenario as the host reads them (a credit card's balance: what its line leaves).
    static func cardsJSON(_ cards: [NetworkSpec.Card]) -> String {
        let items = cards.map { card in
            "{\"pan\": \"\(card.pan)\", \"expiry\": \"\(card.expiry)\", \"balance\": \"\((card.openingLedgerBalance + (card.creditLimit ?? .zero)).formatted(exponent: 2))\", \"status\": \"\(card.status.rawValue)\", \"daily_limit\": \(card.dailyLimit.map { "\"\($0.formatted(exponent: 2))\"" } ?? "null"), \"pin\": \(card.pin.map { "\"\($0)\"" } ?? "null"), \"pin_tries\": \(card.pinTries)\(card.chip.map { ", \"chip\": {\"imk\": \"\($0.imk.hex)\", \"psn\": \"\($0.psn)\"}" } ?? "")}"
        }
        return "[\(items.joined(separator: ","))]"
    }

    /// The issuing bank of a scenario, when PayLab can hand it to a SUT: it holds the cards,
    /// keeps no merchant's account, and no fault reaches inside it.
    static func issuer(of scenario: Scenario) -> String? {
        let network = scenario.network
        guard let bank = network.cards.first?.bank, network.cards.allSatisfy({ $0.bank == bank }),
              !network.merchants.contains(where: { $0.accountBank == bank }),
              !network.accounts.contains(where: { $0.bank == bank }),
              !scenario.faults.contains(where: { $0.kind.insideNode == bank }),
              !scenario.steps.contains(where: { if case .dispute = $0.action { return true } else { return false } }),
              !preauthorizationsExpire(scenario) else { return nil }
        return bank
    }

    /// Whether a pre-authorization outlives the scheme's preauth_days without a completion or
    /// cancellation: its expiry happens inside the issuer, where PayLab cannot see it.
    static func preauthorizationsExpire(_ scenario: Scenario) -> Bool {
        let days = Duration.seconds(Int64(scenario.network.scheme.preauthDays) * 86_400)
        for step in scenario.steps {
            guard case .preauthorize(let id, _, _, _) = step.action else { continue }
            let ended = scenario.steps.contains { later in
                switch later.action {
                case .complete(_, _, id, _), .cancel(_, _, id): return later.at < step.at.advanced(by: days)
                default: return false
                }
            }
            if !ended { return true }
        }
        return false
    }

    /// The scenario with its issuer external (and no expectation on balances the host keeps).
    static func external(_ scenario: Scenario, bank: String, system: ExternalSystem) -> Scenario {
        var copy = scenario
        copy.network.external[bank] = system
        copy.expectations = scenario.expectations.filter {
            if case .account(let number, _, _) = $0 { return scenario.network.bank(ofAccount: number) != bank }
            return true
        }
        return copy
    }

    /// What must be the same whoever the issuer is: each transaction's answer, status, arrival and credit.
    static func outcomes(_ result: ScenarioResult) -> [String] {
        result.transactions.map { "\($0.id): \($0.response) \($0.status) arrives \($0.arrives.map { "\($0)" } ?? "never") credited \($0.credited)" }
    }

    static let libraryWithExternalIssuer: [String] = ScenarioLibraryTests.files.filter { file in
        guard let scenario = try? ScenarioLoader.load(path: file) else { return false }
        return issuer(of: scenario) != nil
    }

    /// The zone keys of the link to the host: X9.19 MACs under the ZAK, PIN blocks under the ZPK.
    static let zone = (zak: "C1D0F8FB4958670DBA40AB1F3752EF0D", zpk: "4C6B8A1F2E3D5C7B9A0F1E2D3C4B5A69")

    @Test("the library's scenarios give the same answers, arrivals and credits with the host as the issuer (mutual TLS, its own CA, X9.19 MACs and PIN blocks checked by psec)",
          arguments: libraryWithExternalIssuer)
    func sameOutcomes(file: String) async throws {
        let folder = try #require(Self.folder, "the PKI and the host's certificates could not be made (openssl)")
        let scenario = try ScenarioLoader.load(path: file)
        let bank = try #require(Self.issuer(of: scenario))
        let year = scenario.zone.local(scenario.start).date.year
        let host = try IssuerHost(cardsJSON: Self.cardsJSON(scenario.network.cards), arguments: ["--year", "\(year)",
            "--cert", folder + "/host.pem", "--key", folder + "/host-key.pem", "--client-ca", folder + "/pki/ca.pem",
            "--zak", Self.zone.zak, "--zpk", Self.zone.zpk,
        ])
        var system = ExternalSystem()
        system.address = Endpoint(host: "127.0.0.1", port: host.port)
        system.ca = folder + "/host-ca.pem"
        system.timeout = .seconds(3)
        system.mac = .x9_19
        system.zak = DESKey(hex: Self.zone.zak)
        system.zpk = DESKey(hex: Self.zone.zpk)
        let runner = try ScenarioRunner(pki: folder + "/pki")
        let own = await runner.run(scenario)
        let theirs = await runner.run(Self.external(scenario, bank: bank, system: system))
        try await runner.shutdown()
        withExtendedLifetime(host) {}
        #expect(own.passed, "\(own.failures)")
        #expect(Self.outcomes(theirs) == Self.outcomes(own))
        let merchantAccounts = Set(scenario.network.merchants.map(\.accountNumber))
        #expect(theirs.accounts.filter { merchantAccounts.contains($0.number) }.map { "\($0.number) \($0.balance)" }
            == own.accounts.filter { merchantAccounts.contains($0.number) }.map { "\($0.number) \($0.balance)" })
        #expect(theirs.externalLog.first?.what == "\(bank) answered the sign-on: 00")
        #expect(theirs.externalLog.contains { $0.what == "\(bank) answered the sign-off: 00" })
        #expect(!theirs.problems.contains { $0.contains("unmatched") }, "\(theirs.problems)")
        #expect(theirs.failures.allSatisfy { if case .invariant = $0 { false } else { true } }, "\(theirs.failures)")
    }
}

extension ExternalIssuerTests {
    /// Runs a library scenario with the host as its issuer, linked as `configure` says.
    func runWithHost(_ file: String, hostArguments: [String], configure: (inout ExternalSystem) -> Void) async throws -> (own: ScenarioResult, theirs: ScenarioResult) {
        let folder = try #require(Self.folder, "the PKI and the host's certificates could not be made (openssl)")
        let scenario = try ScenarioLoader.load(path: file)
        let bank = try #require(Self.issuer(of: scenario))
        let host = try IssuerHost(
            cardsJSON: Self.cardsJSON(scenario.network.cards), arguments: ["--year", "\(scenario.zone.local(scenario.start).date.year)"] + hostArguments)
        var system = ExternalSystem()
        system.address = Endpoint(host: "127.0.0.1", port: host.port)
        system.timeout = .seconds(2)
        configure(&system)
        let runner = try ScenarioRunner(pki: folder + "/pki")
        let own = await runner.run(scenario)
        let theirs = await runner.run(Self.external(scenario, bank: bank, system: system))
        try await runner.shutdown()
        withExtendedLifetime(host) {}
        return (own, theirs)
    }

    @Test("over plain TCP with a 4-byte ASCII length, as behind a leased line", arguments: ["Scenarios/happy-path.yaml", "Scenarios/declines.yaml", "Scenarios/approval-lost.yaml"])
    func plainASCII(file: String) async throws {
        let (own, theirs) = try await runWithHost(file, hostArguments: ["--framing", "ascii4"]) { system in
            system.tls = .none
            system.framing = .init(length: .ascii4)
        }
        #expect(Self.outcomes(theirs) == Self.outcomes(own))
        #expect(theirs.problems.isEmpty, "\(theirs.problems)")
    }

    @Test("a host in UnionPay's packed form (cup: TPDU and header, BCD) with MACs and PIN blocks gives the same answers", arguments: ["Scenarios/happy-path.yaml", "Scenarios/pin-tries.yaml"])
    func cupDialect(file: String) async throws {
        let (own, theirs) = try await runWithHost(file, hostArguments: ["--dialect", "cup", "--zak", Self.zone.zak, "--zpk", Self.zone.zpk]) { system in
            system.tls = .none
            system.dialect = .unionPayPOS
            system.dialectReference = "cup"
            system.zak = DESKey(hex: Self.zone.zak)
            system.zpk = DESKey(hex: Self.zone.zpk)
            system.mac = .x9_19
        }
        #expect(Self.outcomes(theirs) == Self.outcomes(own), "\(theirs.problems)")
        #expect(theirs.problems.isEmpty, "\(theirs.problems)")
    }

    @Test("a host that speaks only TLS 1.2 is reached (PayLab's own links stay TLS 1.3)")
    func tls12() async throws {
        let folder = try #require(Self.folder)
        let (own, theirs) = try await runWithHost("Scenarios/happy-path.yaml", hostArguments: [
            "--cert", folder + "/host.pem", "--key", folder + "/host-key.pem", "--client-ca", folder + "/pki/ca.pem", "--tls12",
        ]) { $0.ca = folder + "/host-ca.pem" }
        #expect(Self.outcomes(theirs) == Self.outcomes(own))
        #expect(theirs.passed, "\(theirs.failures) \(theirs.problems)")
    }

    @Test("a host whose certificate the link's CA did not sign is refused, and the report says so")
    func unknownCA() async throws {
        let folder = try #require(Self.folder)
        let (_, theirs) = try await runWithHost("Scenarios/happy-path.yaml", hostArguments: [
            "--cert", folder + "/host.pem", "--key", folder + "/host-key.pem", "--client-ca", folder + "/pki/ca.pem",
        ]) { $0.ca = folder + "/pki/ca.pem" }
        let problem = try #require(theirs.problems.first { $0.contains("unknown CA") }, "\(theirs.problems)")
        #expect(problem.hasPrefix("Scheme -> Issuer (SUT at 127.0.0.1:"))
        #expect(problem.contains("certificate 'issuer host' is issued by 'Host CA', which \(folder)/pki/ca.pem does not hold"))
        // Nothing reached the host: the scheme found no link and answered as a real one would.
        #expect(theirs.transactions.map(\.response) == ["91"])
    }

    @Test("a host whose certificate names another host is refused: wrong name")
    func wrongName() async throws {
        let folder = try #require(Self.folder)
        let (_, theirs) = try await runWithHost("Scenarios/happy-path.yaml", hostArguments: [
            "--cert", folder + "/wrong-name.pem", "--key", folder + "/host-key.pem", "--client-ca", folder + "/pki/ca.pem",
        ]) { $0.ca = folder + "/host-ca.pem" }
        #expect(theirs.problems.contains { $0.contains("wrong name: certificate 'issuer host' names issuer.example, not 127.0.0.1") }, "\(theirs.problems)")
    }

    @Test("a host that signs off for maintenance (its own 0800, DE70 002) is answered 91 for at once: the scheme sends it nothing")
    func hostSignsOff() async throws {
        let (_, theirs) = try await runWithHost("Scenarios/happy-path.yaml", hostArguments: ["--signed-off"]) { system in system.tls = .none }
        #expect(theirs.transactions.map(\.response) == ["91"])
        #expect(theirs.transactions.flatMap(\.events).contains { $0.node == "Scheme" && $0.detail.hasPrefix("Issuer has signed off (maintenance)") },
                "\(theirs.transactions.flatMap(\.events).map(\.detail))")
        #expect(theirs.externalLog.contains { $0.what == "Issuer sent 0800 (DE70 002) to Scheme" }, "\(theirs.externalLog)")
    }

    @Test("a host that never answers: the run ends with the timeouts and reversals a real network sends, in bounded time")
    func silentHost() async throws {
        let started = ContinuousClock.now
        let (_, theirs) = try await runWithHost("Scenarios/happy-path.yaml", hostArguments: ["--silent"]) { system in
            system.tls = .none
            system.timeout = .milliseconds(200)
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(theirs.transactions.map(\.response) == ["98"])
        let events = theirs.transactions.flatMap(\.events).map { "\($0.node) \($0.kind.rawValue)" }
        #expect(events.contains("Scheme timed_out"))
        #expect(theirs.externalLog.contains { $0.what.contains("no answer to 0420") })
        #expect(theirs.externalLog.contains { $0.what.contains("PayLab stops waiting for it in real time") })
    }
}

extension ExternalIssuerTests {
    @Test("pki init writes PEM files OpenSSL and Python's ssl read, keys for their owner only, and never overwrites a CA")
    func pkiFiles() async throws {
        let folder = NSTemporaryDirectory() + "paylab-pki-\(UUID().uuidString)"
        let pki = PKI(directory: folder)
        #expect(try pki.initialize().count == 4)
        #expect(throws: (any Error).self) { try pki.initialize() }
        let mode = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue }
        #expect(try mode(pki.caKeyPath) == 0o600)
        #expect(try mode(pki.sutKeyPath) == 0o600)
        #expect(try await ExternalTool.run(["openssl", "verify", "-CAfile", pki.caPath, pki.sutPath]).contains(": OK"))
        #expect(try await ExternalTool.run(["openssl", "x509", "-in", pki.sutPath, "-noout", "-ext", "subjectAltName"])
            .contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(try await ExternalTool.run(["python3", "-c", """
            import ssl
            context = ssl.create_default_context(cafile='\(pki.caPath)')
            context.load_cert_chain('\(pki.sutPath)', '\(pki.sutKeyPath)')
            print('ok')
            """]) == "ok\n")
        // The CA comes back from its files and issues certificates that chain to it.
        let authority = try pki.authority()
        #expect(try authority.certificatePEM() == String(contentsOfFile: pki.caPath, encoding: .utf8))
    }
}
