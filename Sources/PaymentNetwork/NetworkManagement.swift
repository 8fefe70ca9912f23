public import ISO8583
public import SettlementCalendar

/// Network management (0800 and its 0810, DE70): the one session vocabulary of every link,
/// whoever is on it. Terminals sign on to the acquirer, an issuer signs off to the scheme for
/// its maintenance and on again after it, PayLab signs on, echoes and signs off on the links it
/// opens to systems under test, and the load generator's terminals sign on; each builds its
/// request and answers one here, and tells what a message is by its `code`.
public enum NetworkManagement: String, Sendable, CaseIterable, CustomStringConvertible {
    case signOn = "001"
    case signOff = "002"
    case echo = "301"

    /// The network management a message is (a request or its answer), when DE70 names one of these,
    /// or (a UnionPay POS) DE60.3: `001`, `003` and `004` sign on (for single, double, and double
    /// keys with a track key), `002` signs off, `301` is an echo test.
    public init?(of message: ISOMessage) {
        guard message.mti.messageClass == .networkManagement else { return nil }
        if let code = message[DE.networkManagementCode] {
            self.init(rawValue: code)
        } else if let code = Self.unionPayCode(message) {
            self.init(rawValue: ["003", "004"].contains(code) ? "001" : code)
        } else {
            return nil
        }
    }

    /// DE60.3, the network management code of a UnionPay POS (after 60.1's 2 digits and 60.2's 6).
    public static func unionPayCode(_ message: ISOMessage) -> String? {
        guard let reserved = message[DE.unionPayReserved], reserved.count >= 11 else { return nil }
        let digits = Array(reserved.utf8)
        return String(decoding: digits[8..<11], as: UTF8.self)
    }

    /// `sign-on`, `sign-off`, `echo test`.
    public var description: String {
        switch self {
        case .signOn: "sign-on"
        case .signOff: "sign-off"
        case .echo: "echo test"
        }
    }

    /// The request (0800): DE7 and DE11 stamped (DE12/DE13 too with the sender's `local` time),
    /// DE70 this code, and a terminal's DE41 and DE42 when a terminal sends it.
    public func request(stan: String, now: Instant, local: LocalDateTime? = nil, terminal: (id: String, merchant: String)? = nil) -> ISOMessage {
        var message = ISOMessage(mti: .networkManagementRequest)
        message.stamp(now: now, stan: stan, local: local)
        if let terminal {
            message[DE.terminalID] = terminal.id
            message[DE.merchantID] = terminal.merchant
        }
        message[DE.networkManagementCode] = rawValue
        return message
    }

    /// The answer (0810) to a network management request: its fields echoed, DE70 kept, `code` in DE39.
    public static func answer(_ request: ISOMessage, code: ResponseCode = .approved) -> ISOMessage {
        var answer = request.response(code: code)
        if let management = request[DE.networkManagementCode] { answer[DE.networkManagementCode] = management }
        return answer
    }
}
