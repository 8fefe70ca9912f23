public import ISO8583
import PaymentNetwork
import RunCore

/// `paylab certify pos`: PayLab is the POS centre (its acquirer, with its scheme and banks behind
/// it) for a POS application under test. Each case is an instruction for the operator or a POS
/// test robot, how the centre answers (as it should, or with no answer, a bad MAC, a bad ARPC,
/// totals that disagree), and the messages the POS must send, in order, with rules for their
/// fields and for the centre's answers.
public struct POSSuite: Sendable {
    /// A card of the suite, as the robot's card reader holds it.
    public struct Card: Sendable {
        public var name: String
        public var pan: String
        public var expiry = "2812"
        public var pin: String?
        /// The chip's issuer master key (AC), PSN and first ATC.
        public var chip: (imk: String, psn: String, atc: Int)?
        /// Its stripe's track 2, with the CVN its issuer checks (the centre fills it in).
        public var track2: String?
    }

    /// How the centre answers the case's first request.
    public enum Centre: String, Sendable {
        case normal
        /// No answer reaches the POS: it must reverse (DE39 98) before anything else.
        case noAnswer = "no_answer"
        /// The answer's MAC is one bit off: the POS must not take it, sign on again and reverse (A0).
        case badMAC = "bad_mac"
        /// The issuer's ARPC does not verify at the card: the card declines, the POS reverses (06).
        case badARPC = "bad_arpc"
        /// The 0510 says the totals disagree (DE48 code 2): the POS uploads its batch and ends the upload.
        case disagree
    }

    /// A rule on a message of the case.
    public enum Rule: Sendable, CustomStringConvertible {
        /// A field of the POS's message.
        case field(Int, CertificationSuite.Rule)
        /// DE55 of the POS's message carries this EMV tag.
        case tag(String)
        /// A sign-on: DE70 001, or DE60.3 001, 003 or 004 (UnionPay's, asking for keys).
        case signOn
        /// A field of the centre's answer to it.
        case answer(Int, CertificationSuite.Rule)
        /// The centre's answer carries this EMV tag in DE55.
        case answerTag(String)

        public var description: String {
            switch self {
            case .field(let field, let rule): "DE\(field) \(rule)"
            case .tag(let tag): "DE55 carries \(tag)"
            case .signOn: "a sign-on (DE70 001, or DE60.3 001/003/004)"
            case .answer(let field, let rule): "the answer's DE\(field) \(rule)"
            case .answerTag(let tag): "the answer's DE55 carries \(tag)"
            }
        }
    }

    /// A message the POS must send.
    public struct Expected: Sendable {
        public var mti: String
        public var rules: [Rule]
    }

    /// One case.
    public struct Case: Sendable {
        public var id: String
        public var name: String
        /// What the operator (or robot) does: `do` and its arguments, in order.
        public var instruction: [(key: String, value: String)]
        public var centre: Centre = .normal
        public var expect: [Expected]
    }

    public var terminal = "T0000001"
    public var merchant = "898440354110001"
    public var cards: [Card]
    public var cases: [Case]
}

extension POSSuite {
    /// The suite as a robot reads it (`--print-cases --json`).
    public var json: String {
        let cards: [JSONValue] = self.cards.map { card in
            var fields: [(String, JSONValue)] = [("name", .string(card.name)), ("pan", .string(card.pan)), ("expiry", .string(card.expiry))]
            if let pin = card.pin { fields.append(("pin", .string(pin))) }
            if let track2 = card.track2 { fields.append(("track2", .string(track2))) }
            if let chip = card.chip {
                fields.append(("chip", .object([("imk", .string(chip.imk)), ("psn", .string(chip.psn)), ("atc", .number(Int64(chip.atc)))])))
            }
            return .object(fields)
        }
        let cases: [JSONValue] = self.cases.map { item in
            .object([("id", .string(item.id)), ("name", .string(item.name))] + item.instruction.map { ($0.key, .string($0.value)) }
                    + [("centre", .string(item.centre.rawValue)), ("expect", .array(item.expect.map { .string($0.mti) }))])
        }
        return JSONValue.object([("suite", .string("pos")), ("terminal", .string(terminal)), ("merchant", .string(merchant)),
                                 ("cards", .array(cards)), ("cases", .array(cases))]).rendered(pretty: true)
    }

    /// The suite's cases in words, one a line (`--print-cases`).
    public var text: String {
        cases.map { item in
            let instruction = item.instruction.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let centre = item.centre == .normal ? "" : " [centre: \(item.centre.rawValue)]"
            return "\(item.id)  \(item.name)\n        do: \(instruction)\(centre)\n        expect: \(item.expect.map(\.mti).joined(separator: ", then "))"
        }.joined(separator: "\n")
    }
}
