public import ISO8583
public import PaymentSecurity

/// A real system under test (SUT) in a node's place: where it is and how to talk to it.
public struct ExternalSystem: Sendable, Equatable {
    /// How a link to the SUT is secured.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Both ends present certificates: PayLab its node's, the SUT one its `ca` signed.
        case mutual
        /// Only the server presents one (PayLab checks the SUT's; a SUT client gets PayLab's).
        case server
        /// Plain TCP, as behind a leased line or a VPN.
        case none
    }

    /// Where the SUT listens, when it is a server; PayLab's nodes dial it.
    public var address: Endpoint?
    /// The TLS mode of its links.
    public var tls: TLSMode = .mutual
    /// The PEM file of the CA that signed the SUT's certificate (absolute); nil: the run's CA
    /// (the `--pki` CA, which signed `sut.pem`).
    public var ca: String?
    /// The dialect on its links.
    public var dialect: Dialect = .default
    /// How the scenario named the dialect: a built-in name, or the dialect file's path as the
    /// reader found it (what a ``ScenarioWriter`` writes back).
    public var dialectReference = Dialect.default.name
    /// The framing on its links.
    public var framing: Framing = .standard
    /// The real time PayLab waits for each of its answers.
    public var timeout: Duration = .seconds(10)
    /// The idle real time before PayLab sends an echo test; zero: never.
    public var echo: Duration = .seconds(60)
    /// The fields besides the MTI class that pair an answer with its request.
    public var match: [Int] = ExternalSystem.defaultMatch
    /// The MAC algorithm on the SUT's link, with `zak` (an institution's zone MAC key); nil with
    /// no `zak` (the default): no MAC is sent or required.
    public var mac: MACAlgorithm?
    /// The zone MAC key of an institution's link.
    public var zak: DESKey?
    /// The zone PIN key of an institution's link: PIN blocks to and from the SUT are under it.
    public var zpk: DESKey?
    /// A terminal's master key: an external terminal gets its working keys under it at sign-on;
    /// on an external acquirer, PayLab's terminals take the keys that acquirer sends under it.
    public var tmk: DESKey?

    /// MTI class, then DE11 (STAN), DE41 (terminal) and DE7 (transmission time).
    public static let defaultMatch = [11, 41, 7]

    /// Makes a description with every default.
    public init() {}
}

/// A host and a port.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT` (an IPv6 host in brackets), or nil when it is not one.
    public init?(_ text: String) {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else { return nil }
        self.host = String(host)
        self.port = number
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
