public import ISO8583
import RunCore

/// A certification suite: the test cards a system under test must load, and the cases
/// PayLab runs against it, each a few messages sent and the rules their answers must meet.
/// Cases are data (a YAML file, `docs/certification.md`), like jPOS-EE's client simulator's
/// and Mojaloop's testing toolkit's.
public struct CertificationSuite: Sendable {
    /// A card the SUT must hold, named for the cases to refer to (`${card.approved.pan}`).
    public struct Card: Sendable {
        public var name: String
        public var pan: String
        public var expiry: String
        public var balance: String
        public var currency: String
        public var status: String
        public var dailyLimit: String?
        /// The card's PIN (the host verifies it), and the wrong PINs a day before it locks the card.
        public var pin: String?
        public var pinTries = 3
        /// Whether the SUT loads it (a card it must not know is only named).
        public var loaded: Bool
    }

    /// What one field of an answer must be.
    public enum Rule: Sendable, Equatable, CustomStringConvertible {
        case equals(String)
        case oneOf([String])
        case matches(String)
        case present
        case absent
        /// Present, and the request's value.
        case echo
        /// The request's value when the answer carries it.
        case echoIfPresent
        /// DE39 of the approved class (00, and 10/11 partial or VIP approvals).
        case approved
        /// DE39 of any other class.
        case declined
        /// A PIN block (DE52) that reads to this PIN under the zone PIN key (`--zpk`).
        case pin(String)

        public var description: String {
            switch self {
            case .equals(let value): "equals \(value)"
            case .oneOf(let values): "one of \(values.joined(separator: ", "))"
            case .matches(let pattern): "matches \(pattern)"
            case .present: "present"
            case .absent: "absent"
            case .echo: "echo"
            case .echoIfPresent: "echo if present"
            case .approved: "approved"
            case .declined: "declined"
            case .pin(let pin): "the PIN block reads to \(pin) under the ZPK"
            }
        }
    }

    /// A message the SUT must (or must not) send one of PayLab's other nodes after a step: in the
    /// `acquirer` suite, what it forwards to the scheme or pays to the merchant's bank. `echo`
    /// in its rules means "the value the step sent".
    public struct Observation: Sendable {
        /// `scheme` or `bank`.
        public var link: String
        public var mti: String
        public var within: Duration
        public var rules: [Int: Rule]
        /// True: no such message may come within the time (no duplicate forwarding).
        public var none: Bool
    }

    /// How PayLab's scheme answers what an acquirer under test forwards during a step.
    public enum SchemeAnswer: Sendable, Equatable {
        /// 00 with DE38 and the clearing date in DE15.
        case approve
        /// This DE39.
        case decline(String)
        /// Nothing: the SUT's own timeout must act.
        case silent
    }

    /// One message sent and what its answer must be.
    public struct Step: Sendable {
        /// The MTI to send.
        public var mti: String
        /// A step whose sent message this one starts from (1-based), then `fields` override.
        public var like: Int?
        /// Field values, templates with `${...}`; an empty value removes the field.
        public var fields: [Int: String]
        /// The answer's MTI, and how long it may take.
        public var answer: String
        public var within: Duration
        /// Rules for the answer's fields (besides the suite's rules for every answer).
        public var rules: [Int: Rule]
        /// Values of the answer kept for later steps, by name.
        public var capture: [String: Int]
        /// The line of the step in its file, for messages.
        public var line: Int
        /// `acquirer` suite: how PayLab's scheme answers, and what the SUT must send the others.
        public var scheme: SchemeAnswer = .approve
        public var observe: [Observation] = []
        /// False when the step expects no answer at all (`expect: none`).
        public var answered = true
        /// The request goes with a MAC that does not verify (one bit of it flipped).
        public var badMAC = false
    }

    /// One case.
    public struct Case: Sendable {
        public var id: String
        public var name: String
        /// Run whatever the SUT declares; otherwise only when it supports every capability in `requires`.
        public var mandatory: Bool
        public var requires: [String]
        public var steps: [Step]
    }

    public var name: String
    public var version: String
    /// `issuer`: PayLab plays the scheme and dials the SUT; `acquirer`: PayLab plays the
    /// terminal (dialling the SUT), the scheme and the merchant's bank (which the SUT dials).
    public var role: String
    public var cards: [Card]
    /// Rules every answer of an MTI must meet (echoes, DE39 present), by answer MTI.
    public var answerRules: [String: [Int: Rule]]
    /// Rules every approved answer (DE39 00) of an MTI must meet (DE38 present on 0210), by answer MTI.
    public var approvalRules: [String: [Int: Rule]]
    public var cases: [Case]

    /// The cards the SUT must load, as `paylab certify ROLE --cards` prints them.
    public var loadedCards: [Card] { cards.filter(\.loaded) }
}

extension CertificationSuite {
    /// The built-in suites' YAML, by role.
    public static let builtInText: [String: String] = ["issuer": IssuerSuite.yaml, "acquirer": AcquirerSuite.yaml]

    /// A built-in suite.
    public static func builtIn(_ role: String) -> CertificationSuite? {
        builtInText[role].flatMap { try? parse($0, file: "\(role) suite") }
    }

    /// The cards a SUT must load, as JSON: `[{"pan", "expiry", "balance", "currency", "status", "daily_limit"}]`.
    public var cardsJSON: String {
        let items = loadedCards.map { card in
            "  {\"pan\": \"\(card.pan)\", \"expiry\": \"\(card.expiry)\", \"balance\": \"\(card.balance)\", \"currency\": \"\(card.currency)\", \"status\": \"\(card.status)\", \"daily_limit\": \(card.dailyLimit.map { "\"\($0)\"" } ?? "null")\(card.pin.map { ", \"pin\": \"\($0)\", \"pin_tries\": \(card.pinTries)" } ?? "")}"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }
}
