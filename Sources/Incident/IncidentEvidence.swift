import Capture
import Foundation
public import ISO8583
import PaymentNetwork
import Scenario
public import SettlementCalendar
public import RunCore

/// `paylab incident import`: the messages an incident's evidence holds (a pcap or pcapng of
/// ISO 8583 over TCP, a hex dump with one message a line, or the JSON lines of `paylab decode
/// --json`), paired into requests and answers and grouped into transactions, with what is
/// odd about each.
public struct IncidentEvidence: Sendable {
    /// One message as the evidence shows it.
    public struct Message: Sendable {
        /// Microseconds since the epoch, when the evidence has times.
        public var time: Int64?
        /// `HOST:PORT -> HOST:PORT`, when the evidence has connections.
        public var flow: String?
        public var message: ISOMessage
    }

    /// A request and its answer.
    public struct Exchange: Sendable {
        public var request: Message
        public var answer: Message?
    }

    /// A transaction across the hops the evidence saw.
    public struct Transaction: Sendable {
        public var terminal: String
        public var stan: String
        /// DE7 of its first request: with the terminal, what names it at every hop.
        public var transmission: String = "-"
        /// DE7 of the transaction its first request names, when it acts on or follows up an
        /// earlier one: by DE90, or as a UnionPay POS names it, by DE61 (its trace number) or DE37.
        public var original: String?
        public var mti: String
        public var amount: String?
        public var response: String?
        public var requestedAt: Int64?
        public var answeredAt: Int64?
        public var hops: Int
        public var notes: [String]
        public var exchanges: [Exchange]

        /// The terminal's sends of the purchase (the original, then any repeat), on its own
        /// connection, in time order.
        public var terminalSends: [Exchange] {
            let sends = exchanges.filter { $0.request.message.startsTransaction }
                .sorted { ($0.request.time ?? 0) < ($1.request.time ?? 0) }
            return sends.filter { $0.request.flow == sends.first?.request.flow }
        }

        /// When the terminal sent the purchase that was approved (the original, or a repeat),
        /// if one was.
        public var approvedAt: Int64? {
            terminalSends.first { $0.answer?.message[DE.responseCode] == "00" }?.request.time
        }

        /// Whether it is a 0200 that moves money to the merchant (a purchase, an online
        /// completion) and no approved void took back.
        public var isPaidOut: Bool {
            mti == "0200" && !terminal.hasPrefix("payout") && exchanges.first?.request.message.isBalanceInquiry != true
                && !exchanges.contains { $0.request.message.isVoid && $0.answer?.message[DE.responseCode] == "00" }
        }

        /// How long the terminal waited before it reversed an unanswered send, if the evidence shows it.
        public var terminalWait: Int64? {
            let sends = terminalSends
            guard let send = sends.first, send.answer == nil || response == nil else { return nil }
            // A timeout's reversal (DE39 98, or none): not one the card asked for (06) or a bad MAC's (A0).
            let reversal = exchanges.first {
                $0.request.message.isReversal && $0.request.flow == send.request.flow && ["98", nil].contains($0.request.message[DE.responseCode])
            }
            guard let reversed = reversal?.request.time else { return nil }
            // Each send (a repeat too) starts the terminal's wait again: the wait is from the last before the reversal.
            guard let sent = sends.compactMap(\.request.time).filter({ $0 <= reversed }).max() else { return nil }
            return reversed - sent
        }
    }

    public var messages: [Message]
    public var transactions: [Transaction]
    public var problems: [String]

    /// A problem with the evidence as a whole (not a file, nothing in it).
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    // MARK: - Reading

    /// Reads a file of any of the three kinds; `timeout` is how long a terminal waits (an answer later than that is noted).
    public static func read(path: String, dialect: Dialect, framing: Framing, timeout: Duration = .seconds(60), keyLog: String? = nil) throws(Problem) -> IncidentEvidence {
        var keys: TLSKeyLog?
        if let keyLog {
            guard let text = try? String(contentsOfFile: keyLog, encoding: .utf8) else { throw Problem(description: "cannot read the key log \(keyLog)") }
            keys = TLSKeyLog(text: text)
            if keys?.isEmpty == true { throw Problem(description: "\(keyLog) holds no TLS secrets (NSS key log lines: LABEL CLIENT_RANDOM SECRET)") }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "cannot read \(path)") }
        let head = Array(data.prefix(4))
        let magics: [[UInt8]] = [[0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4], [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D], [0x0A, 0x0D, 0x0D, 0x0A]]
        var problems: [String] = []
        var messages: [Message] = []
        let codec = MessageCodec(dialect: dialect)
        if magics.contains(head) {
            let read: (segments: [PcapReader.Segment], problems: [String])
            do {
                read = try PcapReader.read(path: path)
            } catch {
                throw Problem(description: error.description)
            }
            problems += read.problems
            messages = Self.messages(from: read.segments, codec: codec, framing: framing, keys: keys, problems: &problems)
        } else {
            guard let text = String(data: data, encoding: .utf8) else {
                throw Problem(description: "\(path) is neither a pcap/pcapng file nor text (a hex dump or JSON lines)")
            }
            for (index, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty, !line.hasPrefix("#") else { continue }
                do {
                    let bytes: [UInt8]
                    if line.hasPrefix("{") {
                        // A masked PAN (622202******0001) is kept masked: its hidden digits read as 0.
                        let unmasked = line.replacingOccurrences(of: "*", with: "0")
                        bytes = try MessageInspector.encode(json: unmasked, dialect: dialect, lengthHeader: false)
                    } else {
                        guard let decoded = Hex.decode(line.replacingOccurrences(of: " ", with: "")) else {
                            problems.append("\(path):\(index + 1): not hex and not a JSON object")
                            continue
                        }
                        bytes = decoded
                    }
                    let (message, _) = try MessageInspector.decode(bytes, dialect: dialect)
                    messages.append(Message(time: nil, flow: nil, message: message))
                } catch {
                    problems.append("\(path):\(index + 1): \(error)")
                }
            }
            _ = codec
        }
        if messages.isEmpty, problems.isEmpty { problems.append("\(path) holds no ISO 8583 message (check --dialect and --framing)") }
        var evidence = IncidentEvidence(messages: messages, transactions: [], problems: problems)
        evidence.analyse(timeout: timeout)
        return evidence
    }

    /// Cuts each direction of each connection into messages by the framing; a direction whose
    /// bytes stop being frames is reported and left there.
    static func messages(from segments: [PcapReader.Segment], codec: MessageCodec, framing: Framing, keys: TLSKeyLog? = nil, problems: inout [String]) -> [Message] {
        var reassembler = TCPReassembler()
        var buffers: [TCPReassembler.Flow: [UInt8]] = [:]
        var broken: Set<TCPReassembler.Flow> = []
        var messages: [Message] = []
        // TLS connections: each direction's decrypter, the client random and the suite by connection.
        var tls: [TCPReassembler.Flow: TLSKeyLog.Direction] = [:]
        var plain: Set<TCPReassembler.Flow> = []
        var randoms: [TCPReassembler.Flow: [UInt8]] = [:]   // by the client's direction
        var suites: [TCPReassembler.Flow: UInt16] = [:]     // by the client's direction
        for segment in segments {
            guard let (flow, stream, time) = reassembler.add(segment), !broken.contains(flow) else { continue }
            var bytes = stream
            if tls[flow] == nil, !plain.contains(flow) {
                if bytes.count >= 3, bytes[0] == 0x16, bytes[1] == 0x03 {
                    guard let keys else {
                        problems.append("\(flow): TLS; give the key log (--keylog) to read it")
                        broken.insert(flow)
                        continue
                    }
                    _ = keys
                    if let random = TLSKeyLog.clientRandom(bytes) {
                        randoms[flow] = random
                        tls[flow] = TLSKeyLog.Direction(client: true)
                    } else if let suite = TLSKeyLog.cipherSuite(bytes) {
                        suites[flow.reversed] = suite
                        tls[flow] = TLSKeyLog.Direction(client: false)
                    } else {
                        problems.append("\(flow): TLS that does not start with a hello; skipped")
                        broken.insert(flow)
                        continue
                    }
                } else {
                    plain.insert(flow)
                }
            }
            if var direction = tls[flow] {
                // Start both directions once the hellos are known.
                let clientFlow = direction.client ? flow : flow.reversed
                if let keys, let random = randoms[clientFlow], let suite = suites[clientFlow] {
                    for (side, isClient) in [(clientFlow, true), (clientFlow.reversed, false)] where tls[side]?.started == false {
                        let prefix = isClient ? "CLIENT" : "SERVER"
                        guard let handshake = keys.secret("\(prefix)_HANDSHAKE_TRAFFIC_SECRET", random: random),
                              let application = keys.secret("\(prefix)_TRAFFIC_SECRET_0", random: random) else {
                            problems.append("\(side): the key log has no secrets for this connection")
                            broken.insert(side)
                            continue
                        }
                        tls[side]!.start(suite: suite, handshake: handshake, application: application)
                        if side != flow, var other = tls[side] {
                            // Records the other side sent before the secrets were known.
                            do {
                                let earlier = try other.add([])
                                tls[side] = other
                                buffers[side, default: []] += earlier
                            } catch {
                                problems.append("\(side): \(error)")
                                broken.insert(side)
                            }
                        }
                    }
                    direction = tls[flow]!
                }
                do {
                    bytes = try direction.add(bytes)
                    tls[flow] = direction
                } catch {
                    problems.append("\(flow): \(error)")
                    broken.insert(flow)
                    continue
                }
            }
            buffers[flow, default: []] += bytes
            while let buffer = buffers[flow], !buffer.isEmpty {
                let next: (frame: Framing.Frame, consumed: Int)?
                do {
                    next = try framing.next(in: buffer)
                } catch {
                    problems.append("\(flow): \(error) (not ISO 8583 with this framing; the rest of this direction is skipped)")
                    broken.insert(flow)
                    buffers[flow] = nil
                    break
                }
                guard let next else { break }
                buffers[flow]!.removeFirst(next.consumed)
                guard !next.frame.message.isEmpty else { continue }
                do {
                    messages.append(Message(time: time, flow: flow.description, message: try codec.unpack(next.frame.message)))
                } catch {
                    problems.append("\(flow): a frame that is not a message in the \(codec.dialect.name) dialect: \(error)")
                }
            }
        }
        for (flow, left) in buffers where !left.isEmpty && !broken.contains(flow) {
            problems.append("\(flow): \(left.count) bytes at the end are not a whole frame (the capture stops in the middle of one)")
        }
        return messages
    }

    // MARK: - Pairing and grouping

    private mutating func analyse(timeout: Duration) {
        let exchanges = paired(timeout: timeout)
        // Group by the original purchase: its terminal and transmission time, DE7, which every hop
        // keeps (each hop gives a request its own STAN); a reversal or void names it in DE90.
        var order: [String] = []
        var groups: [String: [Exchange]] = [:]
        var originals: [String: String] = [:]
        var names = OriginalNames()
        for exchange in exchanges {
            let request = exchange.request.message
            // A payout credit has no terminal: it is named by its RRN.
            let terminal = request[DE.terminalID] ?? (request.isPayout ? "payout \(request[DE.rrn] ?? "-")" : "-")
            var key = request[DE.transmissionDateTime] ?? request[DE.stan] ?? "-"
            if request.mti.messageClass == .networkManagement { continue }
            let original = names.original(of: request)
            names.note(exchange)
            // Completions, cancellations, refunds and chargebacks name their original too, but are transactions of their own.
            if !request.startsTransaction, let original { key = original }
            let group = "\(terminal)/\(key)"
            if groups[group] == nil {
                order.append(group)
                originals[group] = original
            }
            groups[group, default: []].append(exchange)
        }
        transactions = order.map { group in
            var transaction = Self.transaction(groups[group]!, timeout: timeout)
            transaction.original = originals[group]
            return transaction
        }
    }

    /// What names an earlier transaction in the evidence: DE90's DE7, or (a UnionPay POS's
    /// messages, which carry DE61 instead) the terminal's trace number in DE61, or the RRN in DE37.
    struct OriginalNames {
        /// `terminal|STAN` of each request that starts a transaction: its local date and DE7.
        private var traces: [String: [(date: String?, transmission: String)]] = [:]
        /// DE7 of the transaction each RRN was first given to.
        private var rrns: [String: String] = [:]

        mutating func note(_ exchange: Exchange) {
            let request = exchange.request.message
            guard request.startsTransaction, let transmission = request[DE.transmissionDateTime] else { return }
            traces["\(request[DE.terminalID] ?? "-")|\(request[DE.stan] ?? "-")", default: []].append((request[DE.localDate], transmission))
            if let rrn = exchange.answer?.message[DE.rrn], rrns[rrn] == nil { rrns[rrn] = request.originalTransmission ?? transmission }
        }

        func original(of request: ISOMessage) -> String? {
            if let named = request.originalTransmission { return named }
            guard request.has(DE.originalPOSData) else { return nil }
            if let pos = OriginalPOSData(request), pos.namesTrace,
               let found = traces["\(request[DE.terminalID] ?? "-")|\(pos.trace)"]?.last(where: { ($0.date ?? pos.date) == pos.date }) {
                return found.transmission
            }
            return request[DE.rrn].flatMap { rrns[$0] }
        }
    }

    /// Requests and answers paired on their connection (the answer flows the other way) by MTI, DE11 and DE41.
    private mutating func paired(timeout: Duration) -> [Exchange] {
        var exchanges: [Exchange] = []
        var open: [String: [Int]] = [:]
        func key(_ message: ISOMessage, flow: String?) -> String {
            let mti = message.mti.isResponse ? message.mti.original : message.mti.response.original
            return "\(flow ?? "-")|\(mti)|\(message[DE.stan] ?? "-")|\(message[DE.terminalID] ?? "-")"
        }
        func reverse(_ flow: String?) -> String? {
            guard let flow else { return nil }
            let parts = flow.components(separatedBy: " -> ")
            return parts.count == 2 ? "\(parts[1]) -> \(parts[0])" : flow
        }
        for message in messages {
            if message.message.mti.isResponse {
                let k = key(message.message, flow: reverse(message.flow))
                if var waiting = open[k], !waiting.isEmpty {
                    // The oldest request still within a terminal's wait; one sent longer ago
                    // than that was answered by nothing (a repeat after it took this answer).
                    let fresh = waiting.firstIndex { index in
                        guard let sent = exchanges[index].request.time, let came = message.time else { return true }
                        return Duration.microseconds(came - sent) <= timeout
                    }
                    let index = waiting.remove(at: fresh ?? 0)
                    open[k] = waiting
                    exchanges[index].answer = message
                } else {
                    problems.append("an answer that pairs with no request: \(message.message.mti) STAN \(message.message[DE.stan] ?? "-") on \(message.flow ?? "the log")")
                }
            } else {
                open[key(message.message, flow: message.flow), default: []].append(exchanges.count)
                exchanges.append(Exchange(request: message, answer: nil))
            }
        }
        return exchanges
    }

    /// One transaction from its exchanges, with what is odd about it.
    private static func transaction(_ items: [Exchange], timeout: Duration) -> Transaction {
        let first = items[0]
        let request = first.request.message
        var notes: [String] = []
        let purchases = items.filter { $0.request.message.startsTransaction }
        let flows = Set(purchases.compactMap(\.request.flow))
        // The same message sent again on the same connection: a repeat (or a duplicate the network made).
        var seen: [String: Int] = [:]
        for exchange in purchases { seen["\(exchange.request.flow ?? "-")|\(exchange.request.message[DE.transmissionDateTime] ?? "-")", default: 0] += 1 }
        if seen.values.contains(where: { $0 > 1 }) { notes.append("sent more than once on one connection: a repeat, or a duplicate on the way") }
        let times = Set(purchases.compactMap { $0.request.message[DE.transmissionDateTime] })
        if times.count > 1 { notes.append("STAN \(request[DE.stan] ?? "-") used \(times.count) times on terminal \(request[DE.terminalID] ?? "-") (different DE7)") }
        for exchange in items {
            let message = exchange.request.message
            let place = exchange.request.flow.map { " on \($0)" } ?? ""
            guard let answer = exchange.answer else {
                notes.append("no answer to the \(message.mti)\(place)")
                continue
            }
            if let sent = exchange.request.time, let came = answer.time, Duration.microseconds(came - sent) > timeout {
                notes.append("the answer to the \(message.mti)\(place) came after \((came - sent) / 1_000_000) s, past the \(timeout.components.seconds) s a terminal waits")
            }
            let code = ResponseCode(answer.message[DE.responseCode] ?? "")
            if message.isReversal {
                notes.append("reversed: \(message.mti)\(place) answered \(code.rawValue) (\(code.meaning))")
            } else if message.isVoid {
                notes.append("voided: \(message.mti)\(place) answered \(code.rawValue) (\(code.meaning))")
            } else if !code.isApproval, !code.rawValue.isEmpty {
                notes.append("declined \(code.rawValue) (\(code.meaning))\(place)")
            }
        }
        // The answer the terminal got: to the request seen first (the evidence is in time order,
        // and at one instant the terminal's send comes before the hops it caused).
        let earliest = purchases.first ?? first
        // The terminal reversed on its own connection: it never took the answer the evidence
        // shows there (it was lost on the way), so what the cashier saw was no answer.
        // A reversal with DE39 06 at once after the answer is the card declining after the
        // online approval (its ARPC did not verify): the terminal took the answer.
        let cardDeclined = items.contains { item in
            guard item.request.message.isReversal, item.request.flow == earliest.request.flow, item.request.message[DE.responseCode] == "06",
                  let reversed = item.request.time, let answered = earliest.answer?.time else { return false }
            return reversed - answered < 1_000_000
        }
        let terminalReversed = !cardDeclined && items.contains { $0.request.message.isReversal && $0.request.flow == earliest.request.flow && $0.request.flow != nil }
        if terminalReversed, earliest.answer != nil {
            notes.append("the terminal reversed it: the answer on its connection never reached it")
        }
        if cardDeclined { notes.append("the card declined after the online approval (DE39 06 in the terminal's reversal): its ARPC did not verify") }
        return Transaction(
            terminal: request[DE.terminalID] ?? (request.isPayout ? "payout \(request[DE.rrn] ?? "-")" : "-"), stan: request[DE.stan] ?? "-",
            transmission: request[DE.transmissionDateTime] ?? "-", mti: earliest.request.message.mti.rawValue,
            amount: earliest.request.message.amount.map { $0.formatted(exponent: 2) },
            response: terminalReversed ? nil : earliest.answer?.message[DE.responseCode], requestedAt: earliest.request.time,
            answeredAt: terminalReversed ? nil : earliest.answer?.time,
            hops: max(1, flows.count), notes: Self.unique(notes), exchanges: items)
    }

    private static func unique(_ notes: [String]) -> [String] {
        var seen: Set<String> = []
        return notes.filter { seen.insert($0).inserted }
    }

    // MARK: - Output

    static func stamp(_ micros: Int64?, zone: Zone) -> String? {
        micros.map { zone.iso8601(Instant(milliseconds: $0 / 1000)) }
    }

    /// `{"transactions": [...], "problems": [...]}` as the issue's command line gives it.
    public func json(zone: Zone) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let items: [JSONValue] = transactions.map { item in
            .object([
                ("terminal", .string(item.terminal)), ("stan", .string(item.stan)), ("mti", .string(item.mti)),
                ("amount", text(item.amount)), ("response", text(item.response)),
                ("requested_at", text(Self.stamp(item.requestedAt, zone: zone))), ("answered_at", text(Self.stamp(item.answeredAt, zone: zone))),
                ("hops", .number(Int64(item.hops))), ("notes", .array(item.notes.map { .string($0) })),
            ])
        }
        return .object([("transactions", .array(items)), ("problems", .array(problems.map { .string($0) }))])
    }

    /// Each transaction's timeline across the hops, PANs masked, then what is odd.
    public func text(zone: Zone) -> String {
        var lines: [String] = ["\(messages.count) messages, \(transactions.count) transactions"]
        for item in transactions {
            lines.append("")
            lines.append("terminal \(item.terminal) STAN \(item.stan): \(item.mti) \(item.amount ?? "") -> \(item.response.map { "\($0) (\(ResponseCode($0).meaning))" } ?? "no answer"), \(item.hops) hop\(item.hops == 1 ? "" : "s")")
            let messages = item.exchanges.flatMap { [$0.request] + ($0.answer.map { [$0] } ?? []) }.sorted { ($0.time ?? 0) < ($1.time ?? 0) }
            for message in messages {
                let time = Self.stamp(message.time, zone: zone) ?? "-"
                let pan = message.message[DE.pan].map { " card \(PAN.mask($0))" } ?? ""
                let code = message.message[DE.responseCode].map { " DE39 \($0)" } ?? ""
                lines.append("  \(time)  \(message.flow ?? "")  \(message.message.mti)\(pan)\(code)")
            }
            for note in item.notes { lines.append("  ! \(note)") }
        }
        if !problems.isEmpty {
            lines.append("")
            lines.append("problems:")
            lines += problems.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

extension ISOMessage {
    /// Whether a request starts a transaction of its own in the evidence (a purchase, a
    /// pre-authorization, its completion or cancellation, a refund, a chargeback, a payout),
    /// rather than acting on an earlier one (a reversal, a void, a stand-in advice).
    var startsTransaction: Bool { !isReversal && !isVoid && !isStandInAdvice }

    /// The transmission time (DE7) of the message DE90 names.
    var originalTransmission: String? {
        guard let data = self[DE.originalData], data.count >= 20 else { return nil }
        return String(Array(data)[10..<20])
    }
}
