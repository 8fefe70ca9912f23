import Foundation
import PaymentNetwork
import PaymentSecurity
import Yams

/// `network.security`, a terminal's `tmk`, and the keys an `external` link names.
extension ScenarioBuilder {
    /// A clear test key: 16 hex digits (single length) or 32 (double).
    func key(_ node: Node, _ what: String) -> DESKey? {
        reader.value(node, what, expected: "a key of 16 hex digits (single length) or 32 (double length)") { text in
            DESKey(hex: text).flatMap { $0.length == .triple ? nil : $0 }
        }
    }

    private func macAlgorithm(_ node: Node, _ what: String) -> MACAlgorithm? {
        reader.value(node, what, expected: "one of \(MACAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))") { MACAlgorithm(rawValue: $0) }
    }

    /// `network.security`; `zones` are checked against the links once the network is known (`checkSecurity`).
    func buildSecurity(_ node: Node, into security: inout SecuritySpec) -> [String: Node] {
        guard let fields = reader.mapping(node, "network.security", allowed: ["mac", "terminal_mac", "working_keys", "zones"]) else { return [:] }
        if let value = fields["mac"].flatMap({ macAlgorithm($0, "mac") }) {
            if value == .cupECB {
                reader.error(fields["mac"], "cup-ecb is a terminal's MAC (terminal_mac); links between institutions use x9.19 or x9.9")
            } else {
                security.mac = value
            }
        }
        if let value = fields["terminal_mac"].flatMap({ macAlgorithm($0, "terminal_mac") }) { security.terminalMAC = value }
        if let value = fields["working_keys"].flatMap({
            reader.value($0, "working_keys", expected: "one of single, double, double_with_track") { WorkingKeys.Kind(rawValue: $0) }
        }) { security.workingKeys = value }
        var marks: [String: Node] = [:]
        if let zones = fields["zones"], let links = reader.mapping(zones, "zones", allowed: nil) {
            for (link, value) in links.sorted(by: { $0.key < $1.key }) {
                guard let keys = reader.mapping(value, "the keys of \(link)", allowed: ["zpk", "zak"]) else { continue }
                let normalized = link.split(separator: "->").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " -> ")
                security.zones[normalized] = SecuritySpec.ZoneKeys(zpk: keys["zpk"].flatMap { key($0, "zpk") }, zak: keys["zak"].flatMap { key($0, "zak") })
                marks[normalized] = value
            }
        }
        return marks
    }

    /// Each zone names a link between institutions of this network, and one PayLab runs both ends of
    /// (a SUT's link names its keys in its `external`).
    func checkSecurity(_ network: NetworkSpec, zones marks: [String: Node]) {
        let terminals = Set(network.merchants.flatMap(\.terminals))
        let links = network.links.filter { !terminals.contains($0.client) }.map { "\($0.client) -> \($0.server)" }
        for (link, node) in marks.sorted(by: { $0.key < $1.key }) {
            guard links.contains(link) else {
                reader.error(node, "zones are keyed by a link between institutions, in the direction its requests travel ('\(link)' is none); the links are: \(links.joined(separator: ", "))")
                continue
            }
            let ends = link.components(separatedBy: " -> ")
            if let external = ends.first(where: network.isExternal) {
                reader.error(node, "\(external) is external: give the keys of '\(link)' in its external (zak, zpk)")
            }
        }
    }

    /// The keys an `external` names: `mac` and `zak`, `zpk` for an institution; `tmk` for a terminal,
    /// or for an acquirer that PayLab's terminals dial.
    func buildExternalKeys(_ fields: [String: Node], of name: String, server: Bool, into system: inout ExternalSystem) {
        if let value = fields["mac"] {
            system.mac = macAlgorithm(value, "mac")
            if fields["zak"] == nil, fields["tmk"] == nil {
                reader.error(value, "'mac' names the algorithm; give its key as 'zak' (the zone MAC key, 16 or 32 hex digits)")
            }
        }
        if let value = fields["zak"] { system.zak = key(value, "zak") }
        if let value = fields["zpk"] { system.zpk = key(value, "zpk") }
        if let value = fields["tmk"] {
            system.tmk = key(value, "tmk")
            if fields["zak"] != nil || fields["zpk"] != nil {
                reader.error(value, "\(name) names a TMK and zone keys: a terminal's link has a TMK (the working keys come at sign-on), an institution's has zak and zpk")
            }
        }
        if system.zak != nil, system.mac == nil { system.mac = .x9_19 }
    }
}
