import Foundation
import ISO8583
import Yams

/// `external:` (a system under test in a node's place) and `listen:` (where a PayLab node
/// waits for a SUT that dials it).
extension ScenarioBuilder {
    static let externalKeys = ["address", "tls", "ca", "dialect", "framing", "timeout", "echo", "match", "mac", "zak", "zpk", "tmk"]

    /// A node's `external` mapping; `server` says whether the node is a server anywhere (a terminal never is).
    func buildExternal(_ node: Node, of name: String, server: Bool) -> ExternalSystem? {
        guard let fields = reader.mapping(node, "external", allowed: Self.externalKeys) else {
            return nil
        }
        var system = ExternalSystem()
        let directory = (reader.file as NSString).deletingLastPathComponent
        if let value = fields["address"], !server {
            reader.error(value, "terminal \(name) under test dials the acquirer, so it has no 'address' (give the acquirer a 'listen' address for it to dial)")
        } else if let value = fields["address"] {
            system.address = reader.value(value, "address", expected: "HOST:PORT (\"127.0.0.1:9101\") with a port from 1 to 65535") { text in
                Endpoint(text).flatMap { $0.port > 0 ? $0 : nil }
            }
        }
        if let value = fields["tls"].flatMap({ reader.value($0, "tls", expected: "one of mutual, server, none") { ExternalSystem.TLSMode(rawValue: $0) } }) {
            system.tls = value
        }
        if let value = fields["ca"], let path = reader.string(value, "ca") {
            let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            if system.tls == .none {
                reader.error(value, "'ca' has no use with tls: none")
            } else if !FileManager.default.isReadableFile(atPath: resolved) {
                reader.error(value, "the CA file '\(path)' cannot be read (looked for \(resolved))")
            } else {
                system.ca = resolved
            }
        }
        if let value = fields["dialect"], let text = reader.string(value, "dialect") {
            do {
                system.dialect = try DialectLoader.resolve(text, relativeTo: directory)
                system.dialectReference = DialectLoader.reference(text, relativeTo: directory)
            } catch {
                reader.error(value, error.description)
            }
        }
        if let value = fields["framing"], let framing = buildFraming(value) { system.framing = framing }
        if let value = fields["timeout"].flatMap({ realTime($0, "timeout", allowZero: false) }) { system.timeout = value }
        if let value = fields["echo"].flatMap({ realTime($0, "echo", allowZero: true) }) { system.echo = value }
        if let value = fields["match"], let items = reader.sequence(value, "match") {
            let numbers = items.compactMap { item in
                reader.value(item, "match field", expected: "a data element number from 2 to 128") { Int($0).flatMap { (2...128).contains($0) ? $0 : nil } }
            }
            if numbers.isEmpty { reader.error(value, "match needs at least one field (the default is [11, 41, 7])") } else { system.match = numbers }
        }
        buildExternalKeys(fields, of: name, server: server, into: &system)
        return system
    }

    private func buildFraming(_ node: Node) -> Framing? {
        guard let fields = reader.mapping(node, "framing", allowed: ["length", "includes_length", "tpdu", "header"]) else { return nil }
        var framing = Framing()
        if let value = fields["length"].flatMap({
            reader.value($0, "length", expected: "one of \(Framing.Length.allCases.map(\.rawValue).joined(separator: ", "))") { Framing.Length(rawValue: $0) }
        }) { framing.length = value }
        if let value = fields["includes_length"] {
            framing.includesLength = reader.value(value, "includes_length", expected: "true or false") { Bool($0) } ?? false
            if framing.includesLength, framing.length == .none { reader.error(value, "includes_length needs a length header; this framing has none") }
        }
        if let value = fields["tpdu"] {
            framing.tpdu = reader.value(value, "tpdu", expected: "5 bytes in hex (\"6000010000\")") { Hex.decode($0).flatMap { $0.count == 5 ? $0 : nil } }
        }
        if let value = fields["header"] {
            framing.header = reader.value(value, "header", expected: "hex bytes (\"4C4E0001\")") { Hex.decode($0).flatMap { $0.isEmpty || $0.count > 64 ? nil : $0 } } ?? []
        }
        return framing
    }

    /// A real-time wait: 100 ms to an hour (zero allowed where it means never).
    private func realTime(_ node: Node, _ what: String, allowZero: Bool) -> Duration? {
        reader.value(node, what, expected: "a duration from 100ms to 1h\(allowZero ? ", or 0 for never" : "") (10s, 500ms)") { text in
            if allowZero, text.trimmingCharacters(in: .whitespaces) == "0" { return .zero }
            guard let duration = Values.duration(text) else { return nil }
            if allowZero, duration == .zero { return duration }
            return duration >= .milliseconds(100) && duration <= .seconds(3600) ? duration : nil
        }
    }

    /// A `listen` address for a PayLab node.
    func buildListen(_ node: Node) -> Endpoint? {
        reader.value(node, "listen", expected: "HOST:PORT (\"127.0.0.1:9200\"; port 0: any free port)") { Endpoint($0) }
    }

    /// The rules that join a node's `external` to the rest of the network; `marks` locates each node's `external` key.
    func checkExternal(_ network: NetworkSpec, marks: [String: Node]) {
        let links = network.links
        for (name, system) in network.external.sorted(by: { $0.key < $1.key }) {
            let mark = marks[name]
            let clients = links.filter { $0.server == name && !network.isExternal($0.client) }.map(\.client)
            let addressGiven = mark.map { node in
                if case .mapping(let mapping) = node { return mapping.keys.contains { $0.string == "address" } }
                return false
            } ?? false
            if !clients.isEmpty, system.address == nil, !addressGiven {
                reader.error(mark, "external \(name) needs an 'address': it is the server that \(clients.joined(separator: ", ")) dial\(clients.count == 1 ? "s" : "")")
            }
            if network.listen[name] != nil {
                reader.error(mark, "\(name) is external: PayLab does not listen in its place; drop its 'listen'")
            }
            for link in links where link.client == name && network.isExternal(link.server) {
                reader.error(mark, "\(link.client) and \(link.server) are both external: the link between them is not PayLab's to run")
            }
        }
        // SUTs that dial the same PayLab node share its listener: one TLS mode, CA and framing.
        for server in Set(links.map(\.server)) where !network.isExternal(server) {
            let clients = links.filter { $0.server == server && network.isExternal($0.client) }.map(\.client).sorted()
            guard let first = clients.first, let reference = network.external[first] else { continue }
            for other in clients.dropFirst() {
                guard let system = network.external[other] else { continue }
                if system.tls != reference.tls || system.ca != reference.ca || system.framing != reference.framing {
                    reader.error(marks[other], "\(other) and \(first) both dial \(server)'s listener, so they need the same tls, ca and framing")
                }
            }
        }
    }
}
