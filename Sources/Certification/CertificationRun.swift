import Capture
public import Foundation
public import ISO8583
public import NIOCore
import NIOPosix
import PaymentNetwork
public import PaymentSecurity
public import SettlementCalendar
public import Scenario
public import Wire
import RunCore

/// Runs a certification suite against a system under test: PayLab plays the scheme, dials
/// the SUT once, and runs each applicable case in order, one message at a time, checking
/// every answer against the case's rules and the suite's rules for every answer.
public struct CertificationRun: Sendable {
    /// Where the SUT is and how to talk to it.
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        public var link: WireNetwork.ExternalLink
        public var dialect: Dialect
        /// The acquirer suite: where PayLab's scheme and merchant's bank listen for the SUT.
        public var schemeListen: Endpoint?
        public var bankListen: Endpoint?
        /// The zone of the messages' local times (DE12, DE13) and the scheme's clearing date (DE15).
        public var zone = Zone(identifier: "Asia/Shanghai")!
        /// The CA file the SUT's certificate is checked against (nil: the run's CA).
        public var caFile: String?

        public init(host: String, port: Int, link: WireNetwork.ExternalLink, dialect: Dialect) {
            self.host = host
            self.port = port
            self.link = link
            self.dialect = dialect
        }

        /// A target whose certificate is checked against the CAs of `caFile` (none with `security: .none`).
        public init(host: String, port: Int, security: WireNetwork.ExternalLink.Security, caFile: String?, framing: Framing, dialect: Dialect, timeout: Duration) throws {
            let roots = try caFile.map(PeerVerifier.certificates(pemFile:)) ?? []
            let wait = TimeAmount(timeout)
            self.init(
                host: host, port: port,
                link: WireNetwork.ExternalLink(
                    security: security, verifier: PeerVerifier(roots: roots, rootsSource: caFile ?? "no CA", expectedHost: nil),
                    framing: framing, timeout: wait),
                dialect: dialect)
            self.caFile = caFile
        }
    }

    /// One rule checked against one answer.
    public struct Check: Sendable {
        public var step: Int
        /// The field, or nil for the answer itself (its arrival, its MTI).
        public var field: Int?
        public var rule: String
        public var expected: String?
        public var actual: String?
        public var passed: Bool
    }

    /// A message of a case, as it crossed the link.
    public struct Exchanged: Sendable {
        public var step: Int
        public var sent: Bool
        public var at: Date
        public var bytes: [UInt8]
        public var message: ISOMessage?
        /// The link: `sut` (PayLab's request and the SUT's answer), or, in the acquirer suite,
        /// `scheme` or `bank` (what the SUT sent PayLab's scheme or merchant's bank).
        public var link = "sut"
    }

    /// One case's verdict.
    public struct Outcome: Sendable {
        public var id: String
        public var name: String
        public var mandatory: Bool
        /// Why it did not run (a capability the SUT does not declare), or nil.
        public var skipped: String?
        public var checks: [Check]
        public var messages: [Exchanged]
        /// A problem that stopped the case (no connection, a template with nothing to refer to).
        public var error: String?
        public var passed: Bool { skipped == nil && error == nil && checks.allSatisfy(\.passed) }
        public var failed: Bool { skipped == nil && !passed }
    }

    /// The whole run.
    public struct Report: Sendable {
        public var suite: CertificationSuite
        public var target: String
        public var started: Date
        public var outcomes: [Outcome]
        public var problems: [String]
        public var passed: Int { outcomes.filter(\.passed).count }
        public var failed: Int { outcomes.filter(\.failed).count }
        public var skipped: Int { outcomes.filter { $0.skipped != nil }.count }
    }

    /// The keys of the link to the SUT: MACs under the ZAK, PIN blocks under the ZPK.
    public struct Keys: Sendable {
        public var mac: MACAlgorithm = .x9_19
        public var zak: DESKey?
        public var zpk: DESKey?
        public var tmk: DESKey?
        /// The terminal's MAC (the acquirer suite); nil: cup-ecb in the cup dialect, x9.19 elsewhere.
        public var terminalMAC: MACAlgorithm?
        public init() {}

        /// The capabilities these keys give: `mac`, `pin` and `keys` (cases that require them run).
        public var capabilities: Set<String> { Set([zak.map { _ in "mac" }, zpk.map { _ in "pin" }, tmk.map { _ in "keys" }].compactMap { $0 }) }
        var authenticator: MACAuthenticator? { zak.map { MACAuthenticator(algorithm: mac, key: $0) } }
    }

    public var suite: CertificationSuite
    public var target: Target
    public var keys = Keys()
    /// The capabilities the SUT declares (`--supports`).
    public var supports: Set<String>
    /// Only these cases, when given (`--only`).
    public var only: Set<String>?

    public init(suite: CertificationSuite, target: Target, supports: Set<String>, only: Set<String>?) {
        self.suite = suite
        self.target = target
        self.supports = supports
        self.only = only
    }

    /// Dials the SUT with `credentials` and runs the cases.
    public func run(credentials: TLSCredentials) async -> Report {
        let started = Date()
        // The acquirer suite: PayLab's own scheme, issuer and merchant's bank listen for the acquirer first.
        var stage: (director: AcquirerStage, runner: ScenarioRunner, served: Task<ScenarioResult, Never>)?
        var stageProblem: String?
        if suite.role == "acquirer" {
            let director = AcquirerStage()
            let runner = ScenarioRunner(authority: credentials.authority)
            let scenario = AcquirerStage.scenario(suite: suite, target: target, keys: keys, start: Instant(milliseconds: Int64(started.timeIntervalSince1970 * 1000)))
            let (served, problem) = await director.start(scenario, runner: runner)
            stage = (director, runner, served)
            stageProblem = problem
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let link = await CertificationLink.open(target: target, role: suite.role, credentials: credentials, on: loop, failing: stageProblem)
        var terminal = TerminalKeys()
        var outcomes: [Outcome] = []
        var clock = Clock(now: Date())
        var rrn = 0
        for item in suite.cases where only?.contains(item.id) ?? true {
            let missing = item.requires.filter { !supports.contains($0) && !keys.capabilities.contains($0) }
            if !item.mandatory, !missing.isEmpty {
                outcomes.append(Outcome(id: item.id, name: item.name, mandatory: false, skipped: "the SUT does not declare \(missing.joined(separator: ", "))", checks: [], messages: []))
                continue
            }
            outcomes.append(await run(item, link: link, stage: stage?.director, clock: &clock, rrn: &rrn, terminal: &terminal))
        }
        var problems = await link.close()
        try? await group.shutdownGracefully()
        if let stage {
            stage.director.stop()
            let result = await stage.served.value
            try? await stage.runner.shutdown()
            problems += result.problems + result.failures.map { "PayLab's scheme and banks: \($0)" }
        }
        return Report(suite: suite, target: "\(target.host):\(target.port)", started: started, outcomes: outcomes, problems: problems)
    }

    /// The time the messages carry: the wall clock, moved on a second per message so that
    /// no two requests share DE7.
    struct Clock {
        var now: Date
        mutating func tick() -> Date {
            now = max(now.addingTimeInterval(1), Date())
            return now
        }
    }

    private func run(_ item: CertificationSuite.Case, link: CertificationLink, stage: AcquirerStage?, clock: inout Clock, rrn: inout Int, terminal: inout TerminalKeys) async -> Outcome {
        var outcome = Outcome(id: item.id, name: item.name, mandatory: item.mandatory, skipped: nil, checks: [], messages: [])
        var context = TemplateContext(cards: suite.cards, zone: target.zone)
        context.zpk = keys.zpk
        let codec = MessageCodec(dialect: target.dialect)
        for (index, step) in item.steps.enumerated() {
            let number = index + 1
            let now = clock.tick()
            rrn += 1
            context.fresh(now: now, stan: String(format: "%06d", (Int(now.timeIntervalSince1970) % 900_000 + rrn) % 1_000_000), rrn: String(format: "%012d", rrn))
            context.zpk = pinKey(terminal)
            let authenticator = linkAuthenticator(terminal)
            var message: ISOMessage
            do {
                message = try context.message(for: step, number: number)
            } catch {
                outcome.error = "step \(number): \(error)"
                return outcome
            }
            // A binary field's template is hex (a PIN block): its bytes go on the wire.
            for field in message.fieldNumbers where target.dialect.dictionary[field]?.type == .b {
                if let text = message[field], let decoded = Hex.decode(text) { message.setBytes(field, decoded) }
            }
            var bytes: [UInt8]
            do {
                bytes = try codec.pack(message, securedBy: authenticator, exempt: ISOMessage.macExempt)
                // A request with a MAC that does not verify: one bit of its last byte flipped.
                if step.badMAC, authenticator != nil, let last = bytes.indices.last { bytes[last] ^= 0x01 }
            } catch {
                outcome.error = "step \(number): the \(message.mti) cannot be written in the \(target.dialect.name) dialect: \(error)"
                return outcome
            }
            context.sent.append(message)
            outcome.messages.append(Exchanged(step: number, sent: true, at: Date(), bytes: bytes, message: message))
            stage?.schemeAnswer = step.scheme
            let seenBefore = stage?.seen.count ?? 0
            let answer = await link.exchange(bytes, within: step.within, codec: codec)
            switch answer {
            case .failure(let problem):
                context.received.append(nil)
                outcome.checks.append(Check(step: number, field: nil, rule: "answer within \(CertificationReportText.show(step.within))",
                                            expected: step.answer, actual: problem, passed: false))
            case .success(let (raw, received)):
                context.received.append(received)
                outcome.messages.append(Exchanged(step: number, sent: false, at: Date(), bytes: raw, message: received))
                outcome.checks += checks(step: step, number: number, request: message, answer: received, context: context)
                if let check = macCheck(raw, answer: received, codec: codec, step: number, authenticator: authenticator) { outcome.checks.append(check) }
                if let check = takeKeys(received, step: number, into: &terminal) { outcome.checks.append(check) }
                for (name, field) in step.capture { context.captured[name] = received[field] }
            }
            for observation in step.observe {
                let (check, seen) = await observe(observation, step: number, request: message, stage: stage, after: seenBefore, context: context)
                outcome.checks += check
                if let seen { outcome.messages.append(Exchanged(step: number, sent: false, at: seen.at, bytes: seen.bytes, message: seen.message, link: seen.link)) }
            }
        }
        return outcome
    }

    /// Waits for what the SUT must send PayLab's scheme or bank after a step (or must not), and checks it.
    private func observe(
        _ observation: CertificationSuite.Observation, step: Int, request: ISOMessage, stage: AcquirerStage?, after: Int, context: TemplateContext
    ) async -> ([Check], AcquirerStage.Seen?) {
        let rule = "\(observation.none ? "no" : "a") \(observation.mti) to the \(observation.link) within \(CertificationReportText.show(observation.within))"
        let deadline = ContinuousClock.now.advanced(by: observation.within)
        var found: AcquirerStage.Seen?
        repeat {
            found = stage?.seen.dropFirst(after).first { $0.link == observation.link && $0.message.mti.original.rawValue == observation.mti }
            if found != nil { break }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        if observation.none {
            return ([Check(step: step, field: nil, rule: rule, expected: "none", actual: found.map { Self.summary($0.message) }, passed: found == nil)], found)
        }
        guard let found else {
            return ([Check(step: step, field: nil, rule: rule, expected: observation.mti, actual: "nothing", passed: false)], nil)
        }
        var checks = [Check(step: step, field: nil, rule: rule, expected: observation.mti, actual: found.message.mti.rawValue, passed: true)]
        for (field, fieldRule) in observation.rules.sorted(by: { $0.key < $1.key }) {
            var expanded = fieldRule
            if case .equals(let value) = fieldRule, let text = try? context.expand(value) { expanded = .equals(text) }
            checks.append(pinCheck(expanded, field: field, step: step, seen: found.message) ?? Self.check(expanded, field: field, step: step, request: request, answer: found.message))
        }
        return (checks, found)
    }

    static func summary(_ message: ISOMessage) -> String {
        "\(message.mti)" + (message[DE.stan].map { " STAN \($0)" } ?? "")
    }

    /// The checks of one answer: its MTI, then each field's rule (the step's over the suite's).
    func checks(step: CertificationSuite.Step, number: Int, request: ISOMessage, answer: ISOMessage, context: TemplateContext) -> [Check] {
        var checks = [Check(step: number, field: nil, rule: "MTI", expected: step.answer, actual: answer.mti.rawValue, passed: answer.mti.rawValue == step.answer)]
        var rules = suite.answerRules[answer.mti.rawValue] ?? [:]
        if answer[DE.responseCode] == "00" { rules.merge(suite.approvalRules[answer.mti.rawValue] ?? [:]) { _, new in new } }
        rules.merge(step.rules) { _, new in new }
        for (field, rule) in rules.sorted(by: { $0.key < $1.key }) {
            // A rule's values may refer to what earlier steps sent, received or captured.
            let expanded: CertificationSuite.Rule
            do {
                switch rule {
                case .equals(let value): expanded = .equals(try context.expand(value))
                case .oneOf(let values): expanded = .oneOf(try values.map(context.expand))
                case .matches(let pattern): expanded = .matches(try context.expand(pattern))
                default: expanded = rule
                }
            } catch {
                checks.append(Check(step: number, field: field, rule: rule.description, expected: "\(error)", actual: answer[field], passed: false))
                continue
            }
            checks.append(Self.check(expanded, field: field, step: number, request: request, answer: answer))
        }
        return checks
    }

    static func check(_ rule: CertificationSuite.Rule, field: Int, step: Int, request: ISOMessage, answer: ISOMessage) -> Check {
        let actual = answer[field].map { field == DE.pan ? PAN.mask($0) : $0 }
        let value = answer[field]
        let sent = request[field]
        let expected: String?
        let passed: Bool
        switch rule {
        case .equals(let wanted): expected = wanted; passed = value == wanted
        case .oneOf(let values): expected = values.joined(separator: " | "); passed = value.map(values.contains) ?? false
        case .matches(let pattern):
            expected = pattern
            passed = value.map { $0.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil } ?? false
        case .present: expected = "present"; passed = value != nil
        case .absent: expected = "absent"; passed = value == nil
        case .echo: expected = sent.map { field == DE.pan ? PAN.mask($0) : $0 } ?? "(the request has none)"; passed = sent != nil && value == sent
        case .echoIfPresent: expected = sent.map { field == DE.pan ? PAN.mask($0) : $0 }; passed = value == nil || value == sent
        case .approved: expected = "approved (00)"; passed = value.map { ResponseCode($0).isApproval } ?? false
        case .declined: expected = "declined"; passed = value.map { !ResponseCode($0).isApproval } ?? false
        case .pin(let pin): expected = pin; passed = false   // read only where the scheme received it (an observation)
        }
        return Check(step: step, field: field, rule: rule.description, expected: expected, actual: actual, passed: passed)
    }
}

/// What the templates of a case's messages can refer to.
struct TemplateContext {
    let cards: [CertificationSuite.Card]
    var sent: [ISOMessage] = []
    var received: [ISOMessage?] = []
    var captured: [String: String] = [:]
    private var now = Date()
    private var stan = "000001"
    private var rrn = "000000000001"

    let zone: Zone

    /// The zone PIN key: `${pinblock.CARD.PIN}` is a PIN block under it.
    var zpk: DESKey?

    init(cards: [CertificationSuite.Card], zone: Zone = Zone(identifier: "Asia/Shanghai")!) {
        self.cards = cards
        self.zone = zone
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    mutating func fresh(now: Date, stan: String, rrn: String) {
        self.now = now
        self.stan = stan
        self.rrn = rrn
    }

    /// The message a step sends.
    func message(for step: CertificationSuite.Step, number: Int) throws -> ISOMessage {
        var message: ISOMessage
        if let like = step.like {
            guard sent.indices.contains(like - 1) else { throw Problem(description: "like: \(like) names no earlier step") }
            message = sent[like - 1]
            message.mti = MTI(step.mti)
        } else {
            message = ISOMessage(mti: MTI(step.mti))
        }
        for (field, template) in step.fields.sorted(by: { $0.key < $1.key }) {
            let value = try expand(template)
            message[field] = value.isEmpty ? nil : value
        }
        return message
    }

    /// `text` with each `${...}` replaced.
    func expand(_ text: String) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw Problem(description: "'\(text)' has a '${' with no '}'") }
            result += try value(of: String(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    private func value(of expression: String) throws -> String {
        let parts = expression.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let local = zone
        let instant = Instant(milliseconds: Int64(now.timeIntervalSince1970 * 1000))
        switch parts.first {
        case "stan": return stan
        case "pinblock":
            guard parts.count == 3, let card = cards.first(where: { $0.name == parts[1] }) else {
                throw Problem(description: "${\(expression)}: a PIN block is ${pinblock.CARD.PIN}, a card of the suite and the PIN entered")
            }
            guard let zpk else { throw Problem(description: "${\(expression)} needs the zone PIN key (--zpk)") }
            do {
                return Hex.encode(try PINBlock.encrypt(pin: parts[2], pan: card.pan, key: zpk))
            } catch {
                throw Problem(description: "${\(expression)}: \(error)")
            }
        case "rrn": return rrn
        case "now":
            switch parts.dropFirst().first {
            case "de7": return MessageTimes.transmission(instant)
            case "de12": return local.local(instant).time.hhmmss
            case "de13": return local.local(instant).date.mmdd
            default: break
            }
        case "card":
            guard parts.count == 3, let card = cards.first(where: { $0.name == parts[1] }) else { break }
            switch parts[2] {
            case "pan": return card.pan
            case "expiry": return card.expiry
            case "currency": return card.currency
            case "balance": return try Self.de4(card.balance)
            case "daily_limit": return try Self.de4(card.dailyLimit ?? "0")
            default: break
            }
        case "amount":
            guard parts.count >= 2 else { break }
            return try Self.de4(parts.dropFirst().joined(separator: "."))
        case "sent", "received":
            guard parts.count == 3, let step = Int(parts[1]), let field = Int(parts[2]) else { break }
            let messages: [ISOMessage?] = parts[0] == "sent" ? sent : received
            guard messages.indices.contains(step - 1), let message = messages[step - 1] else {
                throw Problem(description: "${\(expression)}: step \(step) has no \(parts[0] == "sent" ? "message sent" : "answer")")
            }
            guard let value = message[field] else { throw Problem(description: "${\(expression)}: step \(step)'s \(parts[0] == "sent" ? "message" : "answer") has no DE\(field)") }
            return value
        case "original":
            guard parts.count == 2, let step = Int(parts[1]), sent.indices.contains(step - 1) else { break }
            return sent[step - 1].originalDataElements
        case "captured":
            guard parts.count == 2 else { break }
            guard let value = captured[parts[1]] else { throw Problem(description: "${\(expression)}: nothing was captured as '\(parts[1])'") }
            return value
        default: break
        }
        throw Problem(description: "${\(expression)} is not something a case can refer to (stan, rrn, now.de7|de12|de13, card.NAME.pan|expiry|balance|currency, amount.N.NN, pinblock.CARD.PIN, sent.STEP.FIELD, received.STEP.FIELD, original.STEP, captured.NAME)")
    }

    /// `500.00` as DE4: twelve digits of minor units.
    static func de4(_ decimal: String) throws -> String {
        guard let money = Money(decimal: decimal, exponent: 2) else { throw Problem(description: "'\(decimal)' is not an amount") }
        return money.de4
    }
}
