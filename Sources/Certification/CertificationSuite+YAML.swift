import Foundation
import PaymentNetwork
import ISO8583
public import Scenario
import Yams
import RunCore

extension CertificationSuite {
    /// Reads a suite from YAML; every problem is reported with its line and column.
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> CertificationSuite {
        let root = try YAMLReader.compose(text, file: file, empty: "the case file is empty")
        let reader = YAMLReader(file: file)
        let suite = build(root, reader)
        if !reader.diagnostics.isEmpty { throw ScenarioErrors(diagnostics: reader.diagnostics) }
        guard let suite else { throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: file, line: 1, column: 1, message: "not a case file")]) }
        return suite
    }

    /// Reads a suite file.
    public static func load(path: String) throws(ScenarioErrors) -> CertificationSuite {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: path, line: 1, column: 1, message: "cannot read the case file")])
        }
        return try parse(text, file: path)
    }

    private static func build(_ root: Node, _ reader: YAMLReader) -> CertificationSuite? {
        guard let top = reader.mapping(root, "the case file", allowed: ["suite", "version", "role", "cards", "answer_rules", "approval_rules", "cases"]) else { return nil }
        let name = top["suite"].flatMap { reader.string($0, "suite") } ?? "custom"
        let version = top["version"].flatMap { reader.string($0, "version") } ?? "1"
        let role = top["role"].flatMap { reader.value($0, "role", expected: "issuer or acquirer") { ["issuer", "acquirer"].contains($0) ? $0 : nil } } ?? "issuer"
        let cards = top["cards"].flatMap { reader.sequence($0, "cards") }?.compactMap { card($0, reader) } ?? []
        let answerRules = top["answer_rules"].map { rulesByMTI($0, "answer_rules", reader) } ?? [:]
        let approvalRules = top["approval_rules"].map { rulesByMTI($0, "approval_rules", reader) } ?? [:]
        var ids: Set<String> = []
        let cases = top["cases"].flatMap { reader.sequence($0, "cases") }?.compactMap { node -> Case? in
            guard let item = testCase(node, reader, cards: cards) else { return nil }
            if !ids.insert(item.id).inserted { reader.error(node, "two cases have the id '\(item.id)'") }
            return item
        } ?? []
        if top["cases"] == nil { reader.error(root, "the case file needs 'cases'") }
        return CertificationSuite(name: name, version: version, role: role, cards: cards, answerRules: answerRules, approvalRules: approvalRules, cases: cases)
    }

    private static func rulesByMTI(_ node: Node, _ what: String, _ reader: YAMLReader) -> [String: [Int: Rule]] {
        var result: [String: [Int: Rule]] = [:]
        for (mti, rulesNode) in mapping(node, what, reader) ?? [] {
            guard MTI(mti).isResponse, mti.count == 4 else {
                reader.error(rulesNode, "\(what) are keyed by an answer's MTI (0210, 0430 ...), not '\(mti)'")
                continue
            }
            result[mti] = rules(rulesNode, reader)
        }
        return result
    }

    private static func card(_ node: Node, _ reader: YAMLReader) -> Card? {
        guard let fields = reader.mapping(node, "a card", allowed: ["name", "pan", "expiry", "balance", "currency", "status", "daily_limit", "loaded", "pin", "pin_tries"]) else { return nil }
        guard let name = fields["name"].flatMap({ reader.string($0, "card name") }),
              let pan = fields["pan"].flatMap({ reader.value($0, "pan", expected: "12 to 19 digits") { (12...19).contains($0.count) && $0.allSatisfy(\.isNumber) ? $0 : nil } }) else {
            if fields["name"] == nil || fields["pan"] == nil { reader.error(node, "a card needs a 'name' and a 'pan'") }
            return nil
        }
        var card = Card(
            name: name, pan: pan,
            expiry: fields["expiry"].flatMap { reader.value($0, "expiry", expected: "YYMM") { $0.count == 4 && $0.allSatisfy(\.isNumber) ? $0 : nil } } ?? CardRules.defaultExpiry,
            balance: fields["balance"].flatMap { reader.string($0, "balance") } ?? "0.00",
            currency: fields["currency"].flatMap { reader.string($0, "currency") } ?? "156",
            status: fields["status"].flatMap { reader.value($0, "status", expected: "active, frozen, lost or expired") { ["active", "frozen", "lost", "expired"].contains($0) ? $0 : nil } } ?? "active",
            dailyLimit: fields["daily_limit"].flatMap { reader.string($0, "daily_limit") },
            loaded: fields["loaded"].flatMap { reader.value($0, "loaded", expected: "true or false") { Bool($0) } } ?? true)
        card.pin = fields["pin"].flatMap { reader.value($0, "pin", expected: "4 to 12 digits") { (4...12).contains($0.count) && $0.allSatisfy(\.isNumber) ? $0 : nil } }
        card.pinTries = fields["pin_tries"].flatMap { reader.value($0, "pin_tries", expected: "1 to 99") { Int($0).flatMap { (1...99).contains($0) ? $0 : nil } } } ?? 3
        return card
    }

    private static func mapping(_ node: Node, _ what: String, _ reader: YAMLReader) -> [(String, Node)]? {
        guard case .mapping(let map) = node else {
            reader.error(node, "\(what) must be a mapping")
            return nil
        }
        return map.compactMap { key, value in
            guard case .scalar(let scalar) = key else {
                reader.error(key, "keys of \(what) must be plain")
                return nil
            }
            return (scalar.string, value)
        }
    }

    /// `{ FIELD: RULE }`: a rule is a value (equals), or `echo`, `echo_if_present`, `present`,
    /// `absent`, `approved`, `declined`, or `{ one_of: [...] }`, `{ matches: REGEX }`, `{ equals: V }`.
    private static func rules(_ node: Node, _ reader: YAMLReader) -> [Int: Rule] {
        guard let map = mapping(node, "rules", reader) else { return [:] }
        var result: [Int: Rule] = [:]
        for (key, value) in map {
            guard let field = Int(key), (2...128).contains(field) else {
                reader.error(value, "a rule is keyed by a field number from 2 to 128, not '\(key)'")
                continue
            }
            if let rule = rule(value, field: field, reader) { result[field] = rule }
        }
        return result
    }

    private static func rule(_ node: Node, field: Int, _ reader: YAMLReader) -> Rule? {
        switch node {
        case .scalar(let scalar):
            switch scalar.string {
            case "echo": return .echo
            case "echo_if_present": return .echoIfPresent
            case "present": return .present
            case "absent": return .absent
            case "approved", "declined":
                guard field == 39 else {
                    reader.error(node, "'\(scalar.string)' is a rule for DE39 only")
                    return nil
                }
                return scalar.string == "approved" ? .approved : .declined
            default: return .equals(scalar.string)
            }
        case .mapping:
            guard let fields = reader.mapping(node, "a rule", allowed: ["equals", "one_of", "matches", "pin"]), !fields.isEmpty else { return nil }
            guard fields.count == 1 else {
                reader.error(node, "a rule mapping has one key: equals, one_of, matches or pin")
                return nil
            }
            if let pin = fields["pin"].flatMap({ reader.string($0, "pin") }) { return .pin(pin) }
            if let value = fields["equals"].flatMap({ reader.string($0, "equals") }) { return .equals(value) }
            if let values = fields["one_of"].flatMap({ reader.strings($0, "one_of") }) { return .oneOf(values) }
            if let pattern = fields["matches"].flatMap({ reader.string($0, "matches") }) {
                guard (try? NSRegularExpression(pattern: "^(?:\(pattern))$")) != nil else {
                    reader.error(node, "'\(pattern)' is not a regular expression")
                    return nil
                }
                return .matches(pattern)
            }
            return nil
        default:
            reader.error(node, "a rule is a word or a mapping, not a list")
            return nil
        }
    }

    private static func testCase(_ node: Node, _ reader: YAMLReader, cards: [Card]) -> Case? {
        guard let fields = reader.mapping(node, "a case", allowed: ["id", "name", "mandatory", "requires", "steps"]) else { return nil }
        guard let id = fields["id"].flatMap({ reader.string($0, "id") }) else {
            reader.error(node, "a case needs an 'id'")
            return nil
        }
        let mandatory = fields["mandatory"].flatMap { reader.value($0, "mandatory", expected: "true or false") { Bool($0) } } ?? (fields["requires"] == nil)
        let requires = fields["requires"].flatMap { reader.strings($0, "requires") } ?? []
        if mandatory, !requires.isEmpty, let node = fields["requires"] { reader.error(node, "a mandatory case requires nothing; drop 'requires' or say mandatory: false") }
        let steps = fields["steps"].flatMap { reader.sequence($0, "steps") }?.enumerated().compactMap { index, step in
            self.step(step, index: index, reader)
        } ?? []
        if steps.isEmpty { reader.error(node, "case \(id) needs at least one step") }
        return Case(id: id, name: fields["name"].flatMap { reader.string($0, "name") } ?? id, mandatory: mandatory, requires: requires, steps: steps)
    }

    private static func step(_ node: Node, index: Int, _ reader: YAMLReader) -> Step? {
        guard let fields = reader.mapping(node, "a step", allowed: ["send", "like", "fields", "expect", "within", "rules", "capture", "scheme", "observe", "mac"]) else { return nil }
        guard let mti = fields["send"].flatMap({ reader.value($0, "send", expected: "a request MTI (0200, 0420 ...)") { MTI($0).isRequest && $0.count == 4 ? $0 : nil } }) else {
            if fields["send"] == nil { reader.error(node, "a step needs 'send': the MTI it sends") }
            return nil
        }
        let like = fields["like"].flatMap { likeNode in
            reader.value(likeNode, "like", expected: "an earlier step's number (from 1)") { Int($0).flatMap { (1...index).contains($0) ? $0 : nil } }
        }
        var values: [Int: String] = [:]
        if let node = fields["fields"], let map = mapping(node, "fields", reader) {
            for (key, value) in map {
                guard let field = Int(key), (2...128).contains(field) else {
                    reader.error(value, "fields are keyed by their number from 2 to 128, not '\(key)'")
                    continue
                }
                values[field] = reader.string(value, "field \(field)") ?? ""
            }
        }
        let expectNone = fields["expect"].flatMap { reader.string($0, "expect") } == "none"
        let answer = (expectNone ? nil : fields["expect"].flatMap { reader.value($0, "expect", expected: "an answer MTI (0210 ...), or none") { MTI($0).isResponse && $0.count == 4 ? $0 : nil } })
            ?? MTI(mti).response.original.rawValue
        let within = fields["within"].flatMap { reader.value($0, "within", expected: "a duration from 100ms to 1h") { Values.duration($0).flatMap { $0 >= .milliseconds(100) && $0 <= .seconds(3600) ? $0 : nil } } } ?? .seconds(10)
        let answerRules = fields["rules"].map { rules($0, reader) } ?? [:]
        var capture: [String: Int] = [:]
        if let node = fields["capture"], let map = mapping(node, "capture", reader) {
            for (name, value) in map {
                let field = reader.value(value, "capture \(name)", expected: "a field number") { Int($0).flatMap { (2...128).contains($0) ? $0 : nil } }
                if let field { capture[name] = field }
            }
        }
        var step = Step(mti: mti, like: like, fields: values, answer: answer, within: within, rules: answerRules, capture: capture, line: node.mark?.line ?? 1)
        step.answered = !expectNone
        if let scheme = fields["scheme"].flatMap({ reader.string($0, "scheme") }) {
            switch scheme {
            case "approve": step.scheme = .approve
            case "silent": step.scheme = .silent
            case let code where code.count == 2: step.scheme = .decline(code)
            default: reader.error(fields["scheme"], "scheme is approve, silent, or a two-character DE39 to decline with, not '\(scheme)'")
            }
        }
        if let node = fields["observe"], let items = reader.sequence(node, "observe") {
            step.observe = items.compactMap { observation($0, reader) }
        }
        if let node = fields["mac"] {
            step.badMAC = reader.value(node, "mac", expected: "bad (the request goes with a MAC that does not verify)") { $0 == "bad" ? true : nil } ?? false
        }
        return step
    }

    private static func observation(_ node: Node, _ reader: YAMLReader) -> Observation? {
        guard let fields = reader.mapping(node, "an observation", allowed: ["link", "mti", "within", "rules", "none"]) else { return nil }
        guard let link = fields["link"].flatMap({ reader.value($0, "link", expected: "scheme or bank") { ["scheme", "bank"].contains($0) ? $0 : nil } }),
              let mti = fields["mti"].flatMap({ reader.value($0, "mti", expected: "a request MTI") { MTI($0).isRequest && $0.count == 4 ? $0 : nil } }) else {
            if fields["link"] == nil || fields["mti"] == nil { reader.error(node, "an observation needs 'link' (scheme or bank) and 'mti'") }
            return nil
        }
        let within = fields["within"].flatMap { reader.value($0, "within", expected: "a duration from 100ms to 1h") { Values.duration($0).flatMap { $0 >= .milliseconds(100) && $0 <= .seconds(3600) ? $0 : nil } } } ?? .seconds(10)
        return Observation(
            link: link, mti: mti, within: within, rules: fields["rules"].map { rules($0, reader) } ?? [:],
            none: fields["none"].flatMap { reader.value($0, "none", expected: "true or false") { Bool($0) } } ?? false)
    }
}
