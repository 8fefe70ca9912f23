public import ISO8583
public import PaymentSecurity

/// `paylab decode --mac` and `--pin-key`: a frame's MAC and PIN block checked by hand, as a host's
/// developer does when a peer answers A0 or 99.
extension MessageInspector {
    /// Where a MAC's data starts.
    public enum MACSpan: String, Sendable, CaseIterable {
        /// From the MTI to the byte before the MAC (TPDU and header excluded): PayLab's and UnionPay's.
        case fromMTI = "mti"
        /// From the first byte of the TPDU and header to the byte before the MAC.
        case fromHeader = "header"
    }

    /// One way a MAC can be made, and what it gives over a frame.
    public struct MACCheck: Sendable, Equatable {
        public var algorithm: MACAlgorithm
        public var padding: MACPadding
        public var span: MACSpan
        public var carried: [UInt8]
        public var computed: [UInt8]
        public var matches: Bool { carried == computed }

        public var json: JSONValue {
            .object([
                ("algorithm", .string(algorithm.rawValue)), ("padding", .number(Int64(padding.rawValue))), ("span", .string(span.rawValue)),
                ("carried", .string(Hex.encode(carried))), ("computed", .string(Hex.encode(computed))), ("matches", .bool(matches)),
            ])
        }

        public var line: String {
            let ascii = algorithm == .cupECB ? { (bytes: [UInt8]) in " (\(String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : 0x2E }, as: UTF8.self)))" } : { _ in "" }
            return "MAC \(algorithm) (\(padding), from the \(span == .fromMTI ? "MTI" : "TPDU and header")): carried \(Hex.encode(carried))\(ascii(carried)), computed \(Hex.encode(computed))\(ascii(computed)): \(matches ? "matches" : "does NOT match")"
        }
    }

    /// The MAC a message carries (DE128, else DE64), or why it has none.
    static func carriedMAC(_ message: ISOMessage) throws(Problem) -> [UInt8] {
        guard let bytes = message.bytes(128) ?? message.bytes(64) else {
            throw Problem(description: "the message carries no MAC (neither DE64 nor DE128)")
        }
        return bytes
    }

    /// The MAC of `body` (a frame without its 2-byte length header) by one algorithm, padding and span.
    public static func checkMAC(_ body: [UInt8], message: ISOMessage, dialect: Dialect, key: DESKey,
                                algorithm: MACAlgorithm, padding: MACPadding = .zeros, span: MACSpan = .fromMTI) throws(Problem) -> MACCheck {
        let carried = try carriedMAC(message)
        let width = dialect.binaryFields == .hex ? 16 : 8
        let start = span == .fromMTI ? dialect.headerLength : 0
        guard body.count >= start + width else { throw Problem(description: "the frame is too short to carry a MAC") }
        let computed = algorithm.mac(key: key, body[start..<(body.count - width)], padding: padding)
        let carriedBytes = width == 16 ? (Hex.decode(String(decoding: carried, as: UTF8.self)) ?? carried) : carried
        return MACCheck(algorithm: algorithm, padding: padding, span: span, carried: carriedBytes, computed: computed)
    }

    /// Every algorithm, padding and span tried (`--mac auto`): those whose MAC is the one carried first.
    public static func searchMAC(_ body: [UInt8], message: ISOMessage, dialect: Dialect, key: DESKey) throws(Problem) -> [MACCheck] {
        var checks: [MACCheck] = []
        let spans: [MACSpan] = dialect.headerLength > 0 ? MACSpan.allCases : [.fromMTI]
        for algorithm in MACAlgorithm.allCases {
            for padding in MACPadding.allCases {
                for span in spans {
                    checks.append(try checkMAC(body, message: message, dialect: dialect, key: key, algorithm: algorithm, padding: padding, span: span))
                }
            }
        }
        return checks.filter(\.matches) + checks.filter { !$0.matches }
    }

    /// DE52 decrypted under `key`, read as a format-0 block for the message's PAN.
    public struct PINCheck: Sendable {
        public var clearBlock: [UInt8]
        /// The ISO 9564 format the clear block's first nibble names.
        public var format: Int
        /// The PIN, or why the block is not a format-0 block for this PAN.
        public var pin: Result<String, PINBlock.Problem>

        public func json(reveal: Bool) -> JSONValue {
            var pairs: [(String, JSONValue)] = [("clear_block", .string(Hex.encode(clearBlock))), ("format", .number(Int64(format)))]
            switch pin {
            case .success(let pin): pairs.append(("pin", .string(reveal ? pin : String(repeating: "*", count: pin.count))))
            case .failure(let problem): pairs.append(("problem", .string(problem.description)))
            }
            return .object(pairs)
        }

        public func line(reveal: Bool) -> String {
            let read: String
            switch pin {
            case .success(let pin): read = "PIN \(reveal ? pin : String(repeating: "*", count: pin.count) + " (--reveal shows it)")"
            case .failure(let problem): read = "not a PIN block for this PAN: \(problem)"
            }
            return "PIN block (DE52) clear: \(Hex.encode(clearBlock)), ISO 9564 format \(format), \(read)"
        }
    }

    /// The message's DE52 decrypted under `key` for its PAN (DE2, or the PAN of the track 2 in DE35).
    public static func checkPIN(_ message: ISOMessage, key: DESKey) throws(Problem) -> PINCheck {
        guard let block = message.bytes(52), block.count == 8 else { throw Problem(description: "the message carries no 8-byte PIN block (DE52)") }
        guard let pan = message[2] ?? message[35].flatMap({ $0.split(whereSeparator: { $0 == "=" || $0 == "D" }).first.map(String.init) }) else {
            throw Problem(description: "the message carries no PAN (DE2 or DE35) to read its PIN block with")
        }
        let clear = key.decrypt(block)
        let format = Int(clear[0] >> 4)
        return PINCheck(clearBlock: clear, format: format, pin: Result { () throws(PINBlock.Problem) in try PINBlock.decode(clear, pan: pan).pin })
    }
}
